import { TRPCClientError } from "@trpc/client";

interface ErrorData {
  code?: unknown;
  zodError?: { formErrors?: unknown; fieldErrors?: unknown } | null;
  retryAfterSeconds?: unknown;
}

const dataOf = (error: unknown): ErrorData | undefined =>
  error instanceof TRPCClientError ? (error.data as ErrorData | undefined) : undefined;

/** The gateway's error code of a failed call (`"BAD_REQUEST"`, `"TOO_MANY_REQUESTS"`, …), if it answered. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = dataOf(error)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Validation messages per input field (`{ email: ["Invalid email"] }`); empty unless a BAD_REQUEST named fields. */
export function fieldErrorsOf(error: unknown): Record<string, string[]> {
  const fields = dataOf(error)?.zodError?.fieldErrors;
  if (typeof fields !== "object" || fields === null) return {};
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(fields))
    if (Array.isArray(value)) out[key] = value.filter((m): m is string => typeof m === "string");
  return out;
}

/**
 * Seconds to wait before retrying (the `Retry-After` value) a `TOO_MANY_REQUESTS` call, or a
 * `SERVICE_UNAVAILABLE` one the gateway refused because the service is struggling (busy, circuit
 * open); else null.
 */
export function retryAfterOf(error: unknown): number | null {
  const seconds = dataOf(error)?.retryAfterSeconds;
  return typeof seconds === "number" && seconds > 0 ? seconds : null;
}
