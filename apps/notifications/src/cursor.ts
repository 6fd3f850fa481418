import { fail } from "@portico/kit";

/** The opaque cursor of a page: the sequence number of its last item. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`n:${seq}`).toString("base64url");
}

/** The sequence number inside a cursor; anything we did not hand out is a BAD_REQUEST. */
export function decodeCursor(cursor: string): number {
  const match = /^n:(\d{1,18})$/.exec(Buffer.from(cursor, "base64url").toString());
  const seq = match?.[1] ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw fail.badRequest("Invalid cursor");
  return seq;
}
