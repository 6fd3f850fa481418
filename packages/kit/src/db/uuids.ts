import { type SQL, sql } from "drizzle-orm";

/**
 * Uuids as one `uuid[]` parameter, for `column = any(…)`: one statement text whatever their number
 * (planned once per connection, where `in ($1, $2, …)` is a new statement for every count), and a
 * plan that knows what it gets.
 */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}
