import { z } from "zod";
import { cursor, pageLimit, text } from "./fields.ts";
import { defineService, query } from "./procedure.ts";

export const HitType = z.enum(["user", "payment"]);

export const Hit = z.object({
  type: HitType,
  id: z.string(),
  title: z.string(),
  /** Matched terms wrapped in `<mark>…</mark>`; everything else HTML-escaped. */
  snippet: z.string(),
  score: z.number(),
});
export type Hit = z.infer<typeof Hit>;

export const search = defineService("search", {
  query: query({
    access: "user",
    input: z.object({
      q: text().trim().min(1, "Must not be empty").max(200, "Must be at most 200 characters"),
      types: z.array(HitType).min(1).max(2).optional(),
      limit: pageLimit(50, 20),
      cursor: cursor.optional(),
    }),
    output: z.object({ items: z.array(Hit), nextCursor: z.string().nullable() }),
  }),
});
