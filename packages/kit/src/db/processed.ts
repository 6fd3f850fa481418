import {
  type PgDatabase,
  type PgQueryResultHKT,
  type PgSchema,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * The events a consuming service has already handled, one row per (consumer, event id). Written in
 * the same transaction as the handler's effect, so an event redelivered after a crash or delivered
 * to two instances has its effect exactly once.
 */
export function processedEventsTable(schema: PgSchema) {
  return schema.table(
    "processed_events",
    {
      consumer: text().notNull(),
      eventId: text().notNull(),
      processedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
  );
}
export type ProcessedEventsTable = ReturnType<typeof processedEventsTable>;

/**
 * Records that `consumer` handles `eventId` in this transaction; false when it already has (the
 * insert waits for a concurrent transaction holding the same key, then sees its row).
 */
export async function claimEvent(
  tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>,
  table: ProcessedEventsTable,
  consumer: string,
  eventId: string,
): Promise<boolean> {
  const rows = await tx
    .insert(table)
    .values({ consumer, eventId })
    .onConflictDoNothing()
    .returning({ eventId: table.eventId });
  return rows.length > 0;
}
