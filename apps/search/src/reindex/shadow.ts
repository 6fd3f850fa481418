import { sql } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";

type Db = PgDatabase<PostgresJsQueryResultHKT, Record<string, unknown>>;

const LIVE = "documents";
const columns = "namespace, type, id, owner_id, title, body, version_rank, version_at, indexed_at";

/** A fresh, empty copy of the live index table (columns, generated tsvector, indexes), built aside. */
export interface Shadow {
  /** Table name in the `search` schema. */
  readonly table: string;
  /** Suffix of its index names until it is swapped in. */
  readonly suffix: string;
}

interface IndexRow extends Record<string, unknown> {
  name: string;
  def: string;
  primary: boolean;
}

const indexesOf = (db: Db, table: string) =>
  db.execute<IndexRow>(sql`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as def, i.indisprimary as primary
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${`search.${table}`}::regclass`);

/** Creates the shadow table with the live table's exact definition, indexes under temporary names. */
export async function createShadow(db: Db): Promise<Shadow> {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  const table = `${LIVE}_next_${suffix}`;
  await db.transaction(async (tx) => {
    await tx.execute(
      sql.raw(`create table search.${table} (like search.${LIVE} including defaults including generated)`),
    );
    for (const index of await indexesOf(tx, LIVE)) {
      const temp = `${index.name}__${suffix}`;
      const def = index.def.replace(
        /^(CREATE (?:UNIQUE )?INDEX )\S+ ON \S+ /,
        (_m, create: string) => `${create}${temp} ON search.${table} `,
      );
      await tx.execute(sql.raw(def));
      if (index.primary) {
        await tx.execute(
          sql.raw(`alter table search.${table} add constraint ${temp} primary key using index ${temp}`),
        );
      }
    }
  });
  return { table, suffix };
}

/** Copies the documents of every other namespace from the live table (call under the swap lock). */
export async function copyOtherNamespaces(tx: Db, shadow: Shadow, namespace: string): Promise<number> {
  const rows = await tx.execute(sql`
    insert into ${sql.raw(`search.${shadow.table}`)} (${sql.raw(columns)})
    select ${sql.raw(columns)} from ${sql.raw(`search.${LIVE}`)} where namespace <> ${namespace}`);
  return rows.count;
}

/**
 * Replaces the live table with the shadow and gives its indexes the live names, in the caller's
 * transaction: queries wait for the commit (milliseconds), they never see a missing or empty index.
 */
export async function swapIn(tx: Db, shadow: Shadow): Promise<void> {
  await tx.execute(sql.raw(`drop table search.${LIVE}`));
  await tx.execute(sql.raw(`alter table search.${shadow.table} rename to ${LIVE}`));
  for (const index of await indexesOf(tx, LIVE)) {
    if (!index.name.endsWith(`__${shadow.suffix}`)) continue;
    const canonical = index.name.slice(0, -`__${shadow.suffix}`.length);
    await tx.execute(sql.raw(`alter index search.${index.name} rename to ${canonical}`));
  }
}

/** Drops a shadow table left by a failed rebuild. */
export async function dropShadow(db: Db, shadow: Shadow): Promise<void> {
  await db.execute(sql.raw(`drop table if exists search.${shadow.table}`));
}
