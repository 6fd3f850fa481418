import type { notifications } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import * as schema from "../schema.ts";
import { toNotification } from "../views.ts";
import type { NotificationsDeps } from "./deps.ts";

const t = schema.notifications;

/**
 * The caller's notifications, newest first. Keyset pagination on the insertion sequence, so
 * notifications arriving meanwhile never shift a later page (no duplicates, no gaps).
 */
export const list =
  ({ db }: NotificationsDeps): HandlerFor<typeof notifications.procedures.list> =>
  async ({ limit, cursor, unreadOnly }, ctx) => {
    const rows = await db
      .select()
      .from(t)
      .where(
        and(
          eq(t.userId, ctx.user.userId),
          cursor ? lt(t.seq, decodeCursor(cursor)) : undefined,
          unreadOnly ? isNull(t.readAt) : undefined,
        ),
      )
      .orderBy(desc(t.seq))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(toNotification),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  };
