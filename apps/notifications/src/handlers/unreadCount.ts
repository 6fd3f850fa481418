import type { notifications } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { and, count, eq, isNull } from "drizzle-orm";
import * as schema from "../schema.ts";
import type { NotificationsDeps } from "./deps.ts";

const t = schema.notifications;

/** How many of the caller's notifications are unread. */
export const unreadCount =
  ({ db }: NotificationsDeps): HandlerFor<typeof notifications.procedures.unreadCount> =>
  async (_input, ctx) => {
    const [row] = await db
      .select({ count: count() })
      .from(t)
      .where(and(eq(t.userId, ctx.user.userId), isNull(t.readAt)));
    return { count: row?.count ?? 0 };
  };
