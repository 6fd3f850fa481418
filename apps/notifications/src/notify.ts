import type { Notification } from "@portico/contracts";
import type { EventContext } from "@portico/kit";
import { jsonRecords, newId } from "@portico/kit/db";
import { sql } from "drizzle-orm";
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
  const rows = notices.map(({ ctx, userId, rendered }) => ({
    id: newId(),
    user_id: userId,
    event_id: ctx.id,
    ...rendered,
  }));
  const stored = (await first.ctx.tx.execute(sql`
    insert into ${schema.notifications} (id, user_id, event_id, kind, title, body, data)
    select n.id, n.user_id, n.event_id, n.kind, n.title, n.body, n.data
    from ${jsonRecords(rows)}
      as n(id uuid, user_id uuid, event_id text, kind text, title text, body text, data jsonb)
    on conflict do nothing
    returning id, user_id, event_id, kind, title, body, data, created_at`)) as unknown as StoredRow[];
  const byEvent = new Map(stored.map((row) => [`${row.event_id}\u0000${row.user_id}`, row]));
  const deliveries = notices.flatMap(({ ctx, userId }) => {
    const row = byEvent.get(`${ctx.id}\u0000${userId}`);
    if (!row) return [];
    const notification = toNotification({ ...row, readAt: null, createdAt: new Date(row.created_at) });
    return [{ userId, notification, log: ctx.log.child({ notificationId: row.id }) }];
  });
  // Committed together, so delivered together once the first of their events is settled.
  first.ctx.afterCommit(() => deliverAll(channels, deliveries));
}

/**
 * A row the insert stored, as the driver returns it: the context's database is driver-agnostic, and
 * drizzle's postgres.js driver leaves timestamps as Postgres text (which `Date` parses, as drizzle does).
 */
interface StoredRow {
  id: string;
  user_id: string;
  event_id: string;
  kind: Notification["kind"];
  title: string;
  body: string;
  data: Record<string, unknown>;
  created_at: string;
}
