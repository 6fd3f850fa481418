import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Passwords } from "../passwords.ts";
import type * as schema from "../schema.ts";
import type { Sessions } from "../sessions.ts";
import type { SigningKeys } from "../signingKeys.ts";

/** What the users handlers work with. */
export interface UsersDeps {
  db: PostgresJsDatabase<typeof schema>;
  passwords: Passwords;
  sessions: Sessions;
  keys: SigningKeys;
}
