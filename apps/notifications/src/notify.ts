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
 * event and user, by a unique index, so a redelivered event stores nothing again), and once
 * committed hands the new ones to the delivery channels together.
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
  const deliveries = notices.flatMap(({ ctx, userId }) => {
    const row = stored.get(`${ctx.id}\u0000${userId}`);
    return row
      ? [{ userId, notification: toNotification(row), log: ctx.log.child({ notificationId: row.id }) }]
      : [];
  });
  // Committed together, so delivered together once the first of their events is settled.
  first.ctx.afterCommit(() => deliverAll(channels, deliveries));
}
