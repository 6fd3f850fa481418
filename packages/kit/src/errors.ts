import { type ErrorBody, ErrorCode, type ValidationDetails } from "@portico/contracts";
import type { z } from "zod";
import { isDatabaseUnavailable } from "./db/unavailable.ts";

/** An expected failure with a code from the contracts; its message is safe to show a client. */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly validation?: ValidationDetails,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return this.validation
      ? { code: this.code, message: this.message, validation: this.validation }
      : { code: this.code, message: this.message };
  }
}

/** Shorthands for the failures handlers raise most. */
export const fail = {
  badRequest: (message: string, validation?: ValidationDetails) =>
    new ServiceError(ErrorCode.BAD_REQUEST, message, validation),
  unauthorized: (message = "Not signed in, or the session has expired") =>
    new ServiceError(ErrorCode.UNAUTHORIZED, message),
  forbidden: (message = "Not allowed") => new ServiceError(ErrorCode.FORBIDDEN, message),
  notFound: (what: string) => new ServiceError(ErrorCode.NOT_FOUND, `${what} not found`),
  conflict: (message: string) => new ServiceError(ErrorCode.CONFLICT, message),
  unavailable: (message: string) => new ServiceError(ErrorCode.SERVICE_UNAVAILABLE, message),
};

/** Field-by-field messages of a zod error, nested paths joined with dots (`ids.0`). */
export function validationDetails(error: z.ZodError): ValidationDetails {
  const details: ValidationDetails = { formErrors: [], fieldErrors: {} };
  for (const issue of error.issues) {
    if (issue.path.length === 0) {
      details.formErrors.push(issue.message);
      continue;
    }
    const key = issue.path.map(String).join(".");
    const list = details.fieldErrors[key] ?? [];
    list.push(issue.message);
    details.fieldErrors[key] = list;
  }
  return details;
}

/** A BAD_REQUEST naming the fields a zod error lists. */
export function invalidInput(error: z.ZodError): ServiceError {
  const details = validationDetails(error);
  const fields = Object.keys(details.fieldErrors);
  const message = fields.length > 0 ? `Invalid input: ${fields.join(", ")}` : "Invalid input";
  return fail.badRequest(message, details);
}

/**
 * Turns anything thrown into a reply body. Unknown errors become a bare INTERNAL_SERVER_ERROR so no
 * stack, SQL or internal detail reaches a client; a lost or refused database connection becomes a
 * bare SERVICE_UNAVAILABLE, which says the call may be retried. `internal` tells the caller to log
 * the original.
 */
export function toErrorBody(error: unknown): { body: ErrorBody; internal: boolean } {
  if (error instanceof ServiceError) return { body: error.toBody(), internal: false };
  if (isDatabaseUnavailable(error))
    return {
      body: { code: ErrorCode.SERVICE_UNAVAILABLE, message: "Temporarily unavailable; retry shortly" },
      internal: true,
    };
  return {
    body: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: "Internal server error" },
    internal: true,
  };
}
