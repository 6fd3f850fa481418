// W3C Trace Context (`traceparent: 00-<trace-id>-<span-id>-<flags>`).
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** Starts a new trace, or continues a valid incoming `traceparent` with a new span of our own. */
export function continueTrace(incoming?: string | null): string {
  const match = incoming ? traceparentPattern.exec(incoming) : null;
  const traceId = match?.[1] && !/^0+$/.test(match[1]) ? match[1] : randomHex(16);
  const flags = match?.[3] ?? "01";
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}

/** The trace id inside a `traceparent`, for log lines. */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
