import type { users } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { sql } from "drizzle-orm";
import * as schema from "../schema.ts";
import type { UsersDeps } from "./deps.ts";

/**
 * Starts a session for a correct email and password. Both kinds of mistake get the same answer, in
 * the same time; past a few failures for one email each try must wait longer (signInThrottle.ts).
 */
export const signIn =
  ({ db, passwords, sessions, throttle }: UsersDeps): HandlerFor<typeof users.procedures.signIn> =>
  async ({ email, password }) => {
    await throttle.check(email);
    const [user] = await db
      .select()
      .from(schema.users)
      .where(sql`lower(${schema.users.email}) = lower(${email})`);
    const ok = await passwords.verify(password, user?.passwordHash);
    if (!user || !ok) {
      await throttle.failed(email);
      throw fail.unauthorized("Wrong email or password");
    }
    await throttle.succeeded(email);
    return db.transaction((tx) => sessions.start(tx, user));
  };
