import { z } from "zod";
import { cursor, id, noInput, page, pageLimit, timestamp } from "./fields.ts";
import { defineService, mutation, query, subscription } from "./procedure.ts";

export const NotificationKind = z.enum([
  "welcome",
  "payment.succeeded",
  "payment.failed",
  "payment.refunded",
]);

export const Notification = z.object({
  id,
  kind: NotificationKind,
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  readAt: timestamp.nullable(),
  createdAt: timestamp,
});
export type Notification = z.infer<typeof Notification>;

export const notifications = defineService("notifications", {
  list: query({
    access: "user",
    input: z
      .object({
        limit: pageLimit(100, 20),
        cursor: cursor.optional(),
        unreadOnly: z.boolean().default(false),
      })
      .default({ limit: 20, unreadOnly: false }),
    output: page(Notification),
  }),
  unreadCount: query({ access: "user", input: noInput, output: z.object({ count: z.int() }) }),
  markRead: mutation({
    access: "user",
    input: z.union([z.object({ ids: z.array(id).min(1).max(100) }), z.object({ all: z.literal(true) })]),
    output: z.object({ updated: z.int() }),
  }),
  onNotification: subscription({ input: noInput, output: Notification, channel: "notifications.live" }),
});
