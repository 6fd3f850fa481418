import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as schema from "../schema.ts";

/** What the search handlers work with. */
export interface SearchDeps {
  db: PostgresJsDatabase<typeof schema>;
  namespace: string;
}
