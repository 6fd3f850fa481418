import type { Notification } from "@portico/contracts";
import type * as schema from "./schema.ts";

type Row = Pick<
  typeof schema.notifications.$inferSelect,
  "id" | "kind" | "title" | "body" | "data" | "readAt" | "createdAt"
>;

/** What a user sees of a notification (no user id, event id or sequence number). */
export const toNotification = (row: Row): Notification => ({
  id: row.id,
  kind: row.kind,
  title: row.title,
  body: row.body,
  data: row.data,
  readAt: row.readAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});
