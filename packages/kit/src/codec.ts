import type { ErrorBody } from "@portico/contracts";
import { fail } from "./errors.ts";

/** A service's reply to a request. */
export type Reply<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorBody };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const empty = new Uint8Array(0);

/** JSON bytes of a value; `undefined` becomes an empty payload. */
export function encodeJson(value: unknown): Uint8Array {
  return value === undefined ? empty : encoder.encode(JSON.stringify(value));
}

/** The value inside JSON bytes; an empty payload is `undefined`, malformed JSON a BAD_REQUEST. */
export function decodeJson(data: Uint8Array): unknown {
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw fail.badRequest("Body is not valid JSON");
  }
}
