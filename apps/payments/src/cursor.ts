import { fail } from "@portico/kit";
import { z } from "zod";

/** A position in a newest-first list: the last item's creation time and id (the tie-breaker). */
export interface Position {
  createdAt: string;
  id: string;
}

const position = z.object({ t: z.iso.datetime(), id: z.uuid() });

/** Opaque cursor for the position after `item`. */
export function encodeCursor(item: Position): string {
  return Buffer.from(JSON.stringify({ t: item.createdAt, id: item.id })).toString("base64url");
}

/** Reads a cursor made by `encodeCursor`; anything else is a BAD_REQUEST naming `cursor`. */
export function decodeCursor(cursor: string): Position {
  try {
    const parsed = position.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return { createdAt: parsed.t, id: parsed.id };
  } catch {
    throw fail.badRequest("Invalid input: cursor", {
      formErrors: [],
      fieldErrors: { cursor: ["Not a cursor returned by payments.list"] },
    });
  }
}
