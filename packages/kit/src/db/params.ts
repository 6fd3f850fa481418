import { type SQL, sql } from "drizzle-orm";

// Both forms send a whole list as one parameter: one statement text whatever its length, so
// Postgres plans it once per connection, where `in ($1, $2, …)` or a multi-row `values` list is a new
// statement (and a new plan) for every count, and the query builder rebuilds it every time.

/** Uuids as one `uuid[]` parameter, for `column = any(…)`; the plan knows what it gets. */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

/**
 * Rows as one JSON parameter, as a row source: `from ${jsonRecords(rows)} as r(a uuid, b text, …)`
 * in an insert or update. The column list names and types the keys to read.
 */
export function jsonRecords(rows: readonly object[]): SQL {
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)`;
}
