import type { users } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { eq } from "drizzle-orm";
import * as schema from "../schema.ts";
import { toUser } from "../views.ts";
import type { UsersDeps } from "./deps.ts";

/** The caller's own account. */
export const me =
  ({ db }: UsersDeps): HandlerFor<typeof users.procedures.me> =>
  async (_input, ctx) => {
    const [user] = await db.select().from(schema.users).where(eq(schema.users.id, ctx.user.userId));
    if (!user) throw fail.notFound("User");
    return toUser(user);
  };
