import { userEvents, type users } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { enqueueEvent } from "@portico/kit/db";
import { eq } from "drizzle-orm";
import * as schema from "../schema.ts";
import { toUser } from "../views.ts";
import type { UsersDeps } from "./deps.ts";

/** Renames the caller; announces `user.updated`. */
export const updateProfile =
  ({ db }: UsersDeps): HandlerFor<typeof users.procedures.updateProfile> =>
  ({ name }, ctx) =>
    db.transaction(async (tx) => {
      const [user] = await tx
        .update(schema.users)
        .set({ name, updatedAt: new Date() })
        .where(eq(schema.users.id, ctx.user.userId))
        .returning();
      if (!user) throw fail.notFound("User");
      await enqueueEvent(
        tx,
        schema.outbox,
        userEvents.updated,
        { userId: user.id, name: user.name, updatedAt: user.updatedAt.toISOString() },
        ctx.request,
      );
      return toUser(user);
    });
