import { z } from "zod";

/**
 * Text Postgres can store and every client can read: no U+0000 (Postgres refuses it in text and
 * jsonb) and no unpaired UTF-16 surrogate (half an emoji: jsonb refuses its escape, text columns
 * would silently store U+FFFD instead). One check object, so contracts can prove every string
 * field of an input carries it (`assertStorableInput`).
 */
export const storable = z.refine<string>(
  (s) => !s.includes("\u0000") && s.isWellFormed(),
  "Must not contain NUL characters or unpaired surrogates",
);

/** A string field of an input: always `storable`; bound it with `.min()` / `.max()` as usual. */
export function text() {
  return z.string().check(storable);
}

// Control characters and bidirectional overrides have no place in names or descriptions people read.
const unprintable = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Human-readable text: trimmed, bounded, without control characters or bidi overrides. */
export function plainText(min: number, max: number) {
  return text()
    .trim()
    .min(min, min === 1 ? "Must not be empty" : `Must be at least ${min} characters`)
    .max(max, `Must be at most ${max} characters`)
    .refine((s) => !unprintable.test(s), "Must not contain control characters");
}

export const id = z.uuid();
export const timestamp = z.iso.datetime();
export const email = z.email("Must be a valid email address").max(254, "Must be at most 254 characters");

/** Opaque pagination cursor handed back by a list procedure. */
export const cursor = text().min(1).max(512);

/** `limit` for list procedures. */
export function pageLimit(max: number, fallback: number) {
  return z.int().min(1).max(max).default(fallback);
}

/** A page of items with the cursor of the next page, or null on the last one. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** For procedures that take no input. */
export const noInput = z.void();
