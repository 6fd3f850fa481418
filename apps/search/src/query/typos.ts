import { type SQL, sql } from "drizzle-orm";

/** Words shorter than this are left to prefix matching: trigrams of two or three letters match too much. */
export const MIN_TYPO_WORD = 4;
const MAX_WORDS = 4;
const MAX_VARIANTS = 12;

/**
 * The word and its adjacent transpositions ("alcie" → "alice", …). Trigrams alone score a swapped
 * pair of letters as badly as two wrong letters; trying the swaps makes the commonest typo cheap.
 */
export function transpositions(word: string): string[] {
  const variants = new Set([word]);
  for (let i = 0; i + 1 < word.length && variants.size < MAX_VARIANTS; i++) {
    if (word[i] === word[i + 1]) continue;
    variants.add(word.slice(0, i) + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2));
  }
  return [...variants];
}

/** SQL matching (and scoring) a title against misspelt query words: each word, or a variant, must be there. */
export function typoMatch(words: string[], title: SQL): { match: SQL; score: SQL } | undefined {
  const used = words.slice(0, MAX_WORDS).map(transpositions);
  if (used.length === 0) return undefined;
  const any = used.map((variants) =>
    sql.join(
      variants.map((v) => sql`${v} <% ${title}`),
      sql` or `,
    ),
  );
  const best = used.map(
    (variants) =>
      sql`greatest(${sql.join(
        variants.map((v) => sql`word_similarity(${v}, ${title})`),
        sql`, `,
      )})`,
  );
  return {
    match: sql`(${sql.join(
      any.map((a) => sql`(${a})`),
      sql` and `,
    )})`,
    score: sql`((${sql.join(best, sql` + `)}) / ${used.length})`,
  };
}
