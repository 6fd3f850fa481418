import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as schema from "../schema.ts";

/** What the notifications handlers work with. */
export interface NotificationsDeps {
  db: PostgresJsDatabase<typeof schema>;
}
