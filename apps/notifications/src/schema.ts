import type { NotificationKind } from "@portico/contracts";
import { processedEventsTable } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import { bigserial, index, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { z } from "zod";

/** Everything the notifications service stores, in its own Postgres schema. */
export const notificationsSchema = pgSchema("notifications");

export const notifications = notificationsSchema.table(
  "notifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Insertion order: the key of newest-first cursor pagination. */
    seq: bigserial({ mode: "number" }).notNull(),
    userId: uuid().notNull(),
    kind: text().$type<z.infer<typeof NotificationKind>>().notNull(),
    title: text().notNull(),
    body: text().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    /** The event this notification was made from: one notification per event per user. */
    eventId: text().notNull(),
    readAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("notifications_event_user_key").on(t.eventId, t.userId),
    index("notifications_user_seq_idx").on(t.userId, t.seq.desc()),
    index("notifications_user_unread_idx").on(t.userId).where(sql`${t.readAt} is null`),
  ],
);

/** How each user wants notifications delivered besides in-app (today: an HMAC-signed webhook). */
export const preferences = notificationsSchema.table("preferences", {
  userId: uuid().primaryKey(),
  webhookUrl: text(),
  /** Shared secret the webhook body is signed with (HMAC-SHA256). */
  webhookSecret: text(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const processedEvents = processedEventsTable(notificationsSchema);
