// Socket errors of a lost or refused connection, and postgres.js' own connection errors.
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);
// SQLSTATEs of a server that is shutting down, starting up or full: 57P01 admin_shutdown,
// 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections; class 08 is
// connection_exception.
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * True when an error (or one it wraps, as drizzle does) says the database could not be reached or
 * dropped the connection: a condition that passes, unlike a failed query.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (connectionCodes.has(code) || unavailableStates.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
