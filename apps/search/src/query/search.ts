import type { Hit, HitType } from "@portico/contracts";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import { z } from "zod";
import { type DocumentsTable, documents, TEXT_CONFIG } from "../schema.ts";
import { encodeCursor, type Position } from "./cursor.ts";
import type { ParsedQuery } from "./parse.ts";
import { MARK_END, MARK_START, renderSnippet } from "./snippet.ts";
import { correct, typoMatch } from "./typos.ts";

type Db = PgDatabase<PostgresJsQueryResultHKT, Record<string, unknown>>;

export interface SearchRequest {
  namespace: string;
  /** The verified caller: the only owner whose payments may match. */
  userId: string;
  query: ParsedQuery;
  types: Array<z.infer<typeof HitType>>;
  limit: number;
  after?: Position;
  /** The index to read; the live one unless a test or the reindexer says otherwise. */
  table?: DocumentsTable;
}

const row = z.object({
  type: z.enum(["user", "payment"]),
  id: z.string(),
  title: z.string(),
  score: z.string(),
  title_marked: z.string(),
  body_marked: z.string(),
});

const config = sql.raw(`'${TEXT_CONFIG}'::regconfig`);
const weights = sql.raw(`'{0.1,0.2,0.4,1.0}'::float4[]`);
const headlineOptions = `StartSel=${MARK_START},StopSel=${MARK_END},HighlightAll=true`;

/** The tsquery of full-text matches: the query as typed, its last plain word also as a prefix. */
function looseQuery(q: ParsedQuery): SQL {
  if (!q.prefix) return sql`websearch_to_tsquery(${config}, ${q.full})`;
  const head = sql`websearch_to_tsquery(${config}, ${q.prefix.head})`;
  const word = sql`to_tsquery(${config}, ${`${q.prefix.word}:*`})`;
  return q.prefix.or ? sql`(${head} || ${word})` : sql`(${head} && ${word})`;
}

/** One page of hits the caller may see, best first, ties broken by (type, id). */
export async function search(
  db: Db,
  req: SearchRequest,
): Promise<{ items: Hit[]; nextCursor: string | null }> {
  const table = req.table ?? documents;
  const q = req.query;
  // Two statements, no transaction: the corrections, then the page built with them.
  const found = await correct(db, q.fuzzyWords, config);
  const typos = typoMatch(found, sql`d.tsv`, sql`d.title`, config);
  const loose = looseQuery(q);
  const exact = sql`websearch_to_tsquery(${config}, ${q.full})`;
  const negated =
    q.negated.length > 0 ? sql`not (d.tsv @@ to_tsquery(${config}, ${q.negated.join(" | ")}))` : sql`true`;
  const typo = typos ? sql`(${typos.match} and ${negated})` : sql`false`;
  const typoScore = typos ? typos.score : sql`0`;
  // Visibility as two branches: everyone's users, and the caller's payments found through the
  // owner index (never by scanning other people's payments that happen to match).
  const branches: SQL[] = [];
  if (req.types.includes("user")) {
    branches.push(sql`select * from ${table} where namespace = ${req.namespace} and type = 'user'`);
  }
  if (req.types.includes("payment")) {
    branches.push(sql`select * from ${table} where namespace = ${req.namespace} and type = 'payment'
      and owner_id = ${req.userId}::uuid`);
  }
  const visible = sql.join(branches, sql` union all `);
  const after = req.after
    ? sql`where h.score < ${req.after.score}::numeric or (h.score = ${req.after.score}::numeric
        and (h.type, h.id) > (${req.after.type}, ${req.after.id}::uuid))`
    : sql``;
  const rows = await db.execute(sql`
    select h.type, h.id::text as id, h.title, h.score::text as score,
      ts_headline(${config}, h.title, ${loose}, ${headlineOptions}) as title_marked,
      ts_headline(${config}, h.body, ${loose}, ${headlineOptions}) as body_marked
    from (
      select d.type, d.id, d.title, d.body, round((
          ts_rank(${weights}, d.tsv, ${exact}, 1)
        + 0.5 * ts_rank(${weights}, d.tsv, ${loose}, 1)
        + 0.4 * ${typoScore}
        + case when lower(d.title) = ${q.plain} then 0.5 else 0 end
      )::numeric, 6) as score
      from (${visible}) d
      where d.tsv @@ ${loose} or ${typo}
    ) h
    ${after}
    order by h.score desc, h.type asc, h.id asc
    limit ${req.limit + 1}`);
  const parsed = rows.map((r) => row.parse(r));
  const page = parsed.slice(0, req.limit);
  const items = page.map((r) => {
    const title = renderSnippet(r.title_marked, q.fuzzyWords);
    const body = r.body_marked === "" ? "" : renderSnippet(r.body_marked, []);
    return {
      type: r.type,
      id: r.id,
      title: r.title,
      snippet: body === "" ? title : `${title} · ${body}`,
      score: Number(r.score),
    };
  });
  const last = page.at(-1);
  const nextCursor =
    parsed.length > req.limit && last
      ? encodeCursor({ score: last.score, type: last.type, id: last.id })
      : null;
  return { items, nextCursor };
}
