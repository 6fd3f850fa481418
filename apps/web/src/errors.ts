import { errorCodeOf, fieldErrorsOf, retryAfterOf } from "@portico/client";

/** What a form shows for a failed call: one message for the action and messages per field. */
export interface Problem {
  message: string;
  fields: Record<string, string[]>;
}

/** A readable description of a failed call: rate limits with their retry time, validation per field. */
export function describeError(error: unknown): Problem {
  const code = errorCodeOf(error);
  const fields = fieldErrorsOf(error);
  const raw = error instanceof Error ? error.message : String(error);
  if (code === "TOO_MANY_REQUESTS") {
    const seconds = retryAfterOf(error);
    return { message: `Too many attempts: try again in ${seconds ?? "a few"} s.`, fields };
  }
  if (code === "BAD_REQUEST" && Object.keys(fields).length > 0)
    return { message: "Please correct the highlighted fields.", fields };
  if (code === "SERVICE_UNAVAILABLE")
    return { message: "That part of Portico is unavailable right now; try again shortly.", fields };
  if (code === undefined) return { message: `Could not reach Portico (${raw}).`, fields };
  return { message: raw, fields };
}
