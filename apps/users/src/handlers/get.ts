import type { users } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { eq } from "drizzle-orm";
import * as schema from "../schema.ts";
import { toPublicUser } from "../views.ts";
import type { UsersDeps } from "./deps.ts";

/** Another user's public profile. */
export const get =
  ({ db }: UsersDeps): HandlerFor<typeof users.procedures.get> =>
  async ({ id }) => {
    const [user] = await db
      .select({ id: schema.users.id, name: schema.users.name })
      .from(schema.users)
      .where(eq(schema.users.id, id));
    if (!user) throw fail.notFound("User");
    return toPublicUser(user);
  };
