import type { notifications } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { and, eq, inArray, isNull } from "drizzle-orm";
import * as schema from "../schema.ts";
import type { NotificationsDeps } from "./deps.ts";

const t = schema.notifications;

/** Marks the given (or all) unread notifications of the caller read; other users' ids are ignored. */
export const markRead =
  ({ db }: NotificationsDeps): HandlerFor<typeof notifications.procedures.markRead> =>
  async (input, ctx) => {
    const rows = await db
      .update(t)
      .set({ readAt: new Date() })
      .where(
        and(
          eq(t.userId, ctx.user.userId),
          isNull(t.readAt),
          "ids" in input ? inArray(t.id, input.ids) : undefined,
        ),
      )
      .returning({ id: t.id });
    return { updated: rows.length };
  };
