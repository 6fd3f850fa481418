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

const correction = z.object({ i: z.number(), word: z.string().nullable() });

/**
 * Known words close to each query word of 4+ letters (pg_trgm similarity, at the connection's
 * `pg_trgm.similarity_threshold`, to the word or one of its transpositions, over the small `words`
 * table), in one statement. Stop words are left out; the result is empty when some other query
 * word has no correction.
 */
export async function correct(
  db: Db,
  queryWords: string[],
  config: SQL,
): Promise<{ words: string[][]; variants: string[][] }> {
  const asked = queryWords.filter((w) => w.length >= MIN_TYPO_WORD).slice(0, MAX_WORDS);
  if (asked.length === 0) return { words: [], variants: [] };
  const perWord = asked.map((word, i) => {
    const vs = transpositions(word);
    const close = sql.join(
      vs.map((v) => sql`${lexicon.word} % ${v}`),
      sql` or `,
    );
    const sim = sql.join(
      vs.map((v) => sql`similarity(${lexicon.word}, ${v})`),
      sql`, `,
    );
    const stop = sql`to_tsvector(${config}, ${word}) = ''::tsvector`;
    // A stop word answers one row without a word; any other word its closest known words.
    return sql`(select ${i}::int as i, null::text as word where ${stop})
      union all (select ${i}::int as i, ${lexicon.word} as word from ${lexicon} where not ${stop} and (${close})
      order by greatest(${sim}) desc, ${lexicon.word} limit ${MAX_CORRECTIONS})`;
  });
  const rows = (await db.execute(sql.join(perWord, sql` union all `))).map((r) => correction.parse(r));
  const stopWords = new Set(rows.filter((r) => r.word === null).map((r) => r.i));
  const kept = asked.map((_, i) => i).filter((i) => !stopWords.has(i));
  const variants = kept.map((i) => transpositions(asked[i] ?? ""));
  const words = kept.map((i) => rows.flatMap((r) => (r.i === i && r.word !== null ? [r.word] : [])));
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
