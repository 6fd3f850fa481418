import type { ValidationDetails } from "@portico/contracts";
import { ServiceError } from "@portico/kit";
import { TRPCError } from "@trpc/server";

/** Turns a service's typed failure into the tRPC error of the same code; anything else stays internal. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof ServiceError)
    return new TRPCError({ code: error.code, message: error.message, cause: error });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error", cause: error });
}

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };

function isIssueList(value: unknown): value is Issue[] {
  return Array.isArray(value) && value.every((i) => typeof i === "object" && i !== null && "message" in i);
}

/** Sets `Retry-After` on a response; in a batch the longest wait asked for wins. */
export function setRetryAfter(headers: Headers, seconds: number): void {
  const current = Number(headers.get("Retry-After") ?? 0);
  if (seconds > current) headers.set("Retry-After", String(seconds));
}

/** Field-by-field messages of a validation failure, from the gateway's own parse or from a service. */
export function validationOf(error: TRPCError): ValidationDetails | null {
  const cause = error.cause;
  if (cause instanceof ServiceError) return cause.validation ?? null;
  const issues = cause && "issues" in cause ? cause.issues : undefined;
  if (error.code !== "BAD_REQUEST" || !isIssueList(issues)) return null;
  const details: ValidationDetails = { formErrors: [], fieldErrors: {} };
  for (const issue of issues) {
    const path = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
    if (path.length === 0) {
      details.formErrors.push(issue.message);
    } else {
      const key = path.join(".");
      details.fieldErrors[key] = [...(details.fieldErrors[key] ?? []), issue.message];
    }
  }
  return details;
}

/** The message a client sees: validation failures name their fields, internal errors say nothing more. */
export function publicMessage(error: TRPCError, validation: ValidationDetails | null): string {
  if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof ServiceError))
    return "Internal server error";
  if (validation && !(error.cause instanceof ServiceError)) {
    const fields = Object.keys(validation.fieldErrors);
    return fields.length > 0 ? `Invalid input: ${fields.join(", ")}` : "Invalid input";
  }
  return error.message;
}
