import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import { z } from "zod";
import { words as lexicon } from "../schema.ts";

type Db = PgDatabase<PostgresJsQueryResultHKT, Record<string, unknown>>;

/** Words shorter than this are left to prefix matching: trigrams of two or three letters match too much. */
export const MIN_TYPO_WORD = 4;
const MAX_WORDS = 4;
const MAX_VARIANTS = 12;
const MAX_CORRECTIONS = 5;

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

const correction = z.object({ i: z.number(), word: z.string() });

/**
 * Known words close to each query word (pg_trgm similarity to the word or one of its
 * transpositions, over the small `words` table); empty when some query word has none.
 */
export async function correct(
  tx: Db,
  queryWords: string[],
): Promise<{ words: string[][]; variants: string[][] }> {
  const variants = queryWords.slice(0, MAX_WORDS).map(transpositions);
  if (variants.length === 0) return { words: [], variants };
  const perWord = variants.map((vs, i) => {
    const close = sql.join(
      vs.map((v) => sql`${lexicon.word} % ${v}`),
      sql` or `,
    );
    const sim = sql.join(
      vs.map((v) => sql`similarity(${lexicon.word}, ${v})`),
      sql`, `,
    );
    return sql`(select ${i}::int as i, ${lexicon.word} as word from ${lexicon} where ${close}
      order by greatest(${sim}) desc, ${lexicon.word} limit ${MAX_CORRECTIONS})`;
  });
  const rows = (await tx.execute(sql.join(perWord, sql` union all `))).map((r) => correction.parse(r));
  const words = variants.map((_, i) => rows.filter((r) => r.i === i).map((r) => r.word));
  return { words: words.some((w) => w.length === 0) ? [] : words, variants };
}

/** SQL matching documents that contain a correction of every query word, and scoring how close the title is. */
export function typoMatch(
  found: { words: string[][]; variants: string[][] },
  tsv: SQL,
  title: SQL,
  config: SQL,
): { match: SQL; score: SQL } | undefined {
  if (found.words.length === 0) return undefined;
  const query = found.words.map((ws) => `(${ws.join(" | ")})`).join(" & ");
  const best = found.variants.map(
    (vs) =>
      sql`greatest(${sql.join(
        vs.map((v) => sql`word_similarity(${v}, ${title})`),
        sql`, `,
      )})`,
  );
  return {
    match: sql`${tsv} @@ to_tsquery(${config}, ${query})`,
    score: sql`((${sql.join(best, sql` + `)}) / ${found.variants.length})`,
  };
}
