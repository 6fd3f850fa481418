import type { EventContext } from "@portico/kit";
import { type DeliveryChannel, deliverAll } from "./channels/channel.ts";
import * as schema from "./schema.ts";
import type { Rendered } from "./templates.ts";
import { toNotification } from "./views.ts";

/** A notification to store for `userId`, made from the event in `ctx`. */
export interface Notice {
  ctx: EventContext;
  userId: string;
  rendered: Rendered;
}

/**
 * Stores the notifications made from events handled together, with one insert (at most one per
 * event and user, by a unique index), and once committed hands each new one to the delivery channels.
 */
export async function notifyAll(channels: DeliveryChannel[], notices: Notice[]): Promise<void> {
  const [first] = notices;
  if (!first) return;
  const rows = await first.ctx.tx
    .insert(schema.notifications)
    .values(notices.map(({ ctx, userId, rendered }) => ({ userId, eventId: ctx.id, ...rendered })))
    .onConflictDoNothing()
    .returning();
  const stored = new Map(rows.map((row) => [`${row.eventId}\u0000${row.userId}`, row]));
  for (const { ctx, userId } of notices) {
    const row = stored.get(`${ctx.id}\u0000${userId}`);
    if (!row) continue;
    const notification = toNotification(row);
    const log = ctx.log.child({ notificationId: row.id });
    ctx.afterCommit(() => deliverAll(channels, { userId, notification, log }));
  }
}
