import { HitType } from "@portico/contracts";
import { fail } from "@portico/kit";
import { z } from "zod";

/** Where a page ended: the last hit's score (as exact decimal text), type and id. */
export interface Position {
  score: string;
  type: z.infer<typeof HitType>;
  id: string;
}

const position = z.object({ s: z.string().regex(/^-?\d+(\.\d+)?$/), t: HitType, i: z.uuid() });

/** Opaque cursor for the position after `hit`. */
export function encodeCursor(hit: Position): string {
  return Buffer.from(JSON.stringify({ s: hit.score, t: hit.type, i: hit.id })).toString("base64url");
}

/** Reads a cursor made by `encodeCursor`; anything else is a BAD_REQUEST naming `cursor`. */
export function decodeCursor(cursor: string): Position {
  try {
    const p = position.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return { score: p.s, type: p.t, id: p.i };
  } catch {
    throw fail.badRequest("Invalid input: cursor", {
      formErrors: [],
      fieldErrors: { cursor: ["Not a cursor returned by search.query"] },
    });
  }
}
