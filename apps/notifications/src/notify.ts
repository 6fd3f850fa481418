import type { EventContext } from "@portico/kit";
import { type DeliveryChannel, deliverAll } from "./channels/channel.ts";
import * as schema from "./schema.ts";
import type { Rendered } from "./templates.ts";
import { toNotification } from "./views.ts";

/**
 * Stores a notification made from the event in `ctx` for `userId` (at most one per event and user,
 * by a unique index) and, once committed, hands it to the delivery channels.
 */
export async function notify(
  channels: DeliveryChannel[],
  ctx: EventContext,
  userId: string,
  rendered: Rendered,
): Promise<void> {
  const [row] = await ctx.tx
    .insert(schema.notifications)
    .values({ userId, eventId: ctx.id, ...rendered })
    .onConflictDoNothing()
    .returning();
  if (!row) return;
  const notification = toNotification(row);
  const log = ctx.log.child({ notificationId: row.id });
  ctx.afterCommit(() => deliverAll(channels, { userId, notification, log }));
}
