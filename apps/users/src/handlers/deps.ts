import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { PasswordPolicy } from "../passwordPolicy.ts";
import type { Passwords } from "../passwords.ts";
import type * as schema from "../schema.ts";
import type { Sessions } from "../sessions.ts";
import type { SignInThrottle } from "../signInThrottle.ts";
import type { SigningKeys } from "../signingKeys.ts";

/** What the users handlers work with. */
export interface UsersDeps {
  db: PostgresJsDatabase<typeof schema>;
  passwords: Passwords;
  sessions: Sessions;
  keys: SigningKeys;
  /** Refuses common, breached and trivial new passwords. */
  policy: PasswordPolicy;
  /** Per-account brake on password guessing. */
  throttle: SignInThrottle;
}
