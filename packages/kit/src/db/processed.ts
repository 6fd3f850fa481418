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

/** One event as one consumer handles it. */
export interface EventClaim {
  consumer: string;
  eventId: string;
}

/**
 * Records in this transaction that each consumer handles its event; returns the claims that are
 * new (an insert waits for a concurrent transaction holding the same key, then sees its row).
 * Listing one claim twice returns it once.
 */
export async function claimEvents(
  tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>,
  table: ProcessedEventsTable,
  claims: EventClaim[],
): Promise<EventClaim[]> {
  if (claims.length === 0) return [];
  // In key order, so concurrent transactions claiming the same events lock them in the same order.
  const ordered = claims.toSorted((a, b) =>
    a.consumer === b.consumer ? a.eventId.localeCompare(b.eventId) : a.consumer.localeCompare(b.consumer),
  );
  return tx
    .insert(table)
    .values(ordered)
    .onConflictDoNothing()
    .returning({ consumer: table.consumer, eventId: table.eventId });
}
