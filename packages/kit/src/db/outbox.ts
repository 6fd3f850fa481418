import type { EventContract } from "@portico/contracts";
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  jsonb,
  type PgDatabase,
  type PgQueryResultHKT,
  type PgSchema,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { RequestContext } from "../context.ts";
import { noteEventsWritten } from "../events/wake.ts";
import { newId } from "./ids.ts";

/**
 * The outbox of a service: events written in the same transaction as the state change they
 * describe, and published afterwards by the relay, so a crash between commit and publish loses nothing.
 */
export function outboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      id: uuid().primaryKey(),
      subject: text().notNull(),
      version: integer().notNull(),
      payload: jsonb().notNull(),
      headers: jsonb().$type<Record<string, string>>().notNull(),
      createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
      publishedAt: timestamp({ withTimezone: true }),
    },
    (t) => [index().on(t.createdAt).where(sql`${t.publishedAt} is null`)],
  );
}
export type OutboxTable = ReturnType<typeof outboxTable>;

/** Outbox header naming the Portico system that wrote the row; the relay of that system publishes it. */
export const NAMESPACE_HEADER = "portico-namespace";

let processNamespace: string | undefined;

/**
 * The namespace recorded on outbox rows whose context names none (set once by `startService`;
 * a process runs in one Portico system).
 */
export function setOutboxNamespace(namespace: string): void {
  processNamespace = namespace;
}

/** An outbox row, ready to insert. */
export type OutboxRow = OutboxTable["$inferInsert"] & { id: string };

/**
 * Builds the outbox row of an event, checking the payload against the event's contract first, and
 * notes that the work of `ctx` writes events (its relay is woken when that work ends). Insert it in
 * the transaction of the state change it describes.
 */
export function outboxRow<E extends EventContract>(
  event: E,
  payload: z.input<E["payload"]>,
  ctx?: RequestContext,
): OutboxRow {
  const headers: Record<string, string> = ctx
    ? { "x-request-id": ctx.requestId, traceparent: ctx.traceparent }
    : {};
  const namespace = ctx?.namespace ?? processNamespace;
  if (namespace) headers[NAMESPACE_HEADER] = namespace;
  const row = {
    id: newId(),
    subject: event.subject,
    version: event.version,
    payload: event.payload.parse(payload),
    headers,
  };
  noteEventsWritten(ctx, row.id);
  return row;
}

/** Records an event in the outbox inside the caller's transaction (see `outboxRow`). Returns the event id. */
export async function enqueueEvent<E extends EventContract>(
  tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>,
  outbox: OutboxTable,
  event: E,
  payload: z.input<E["payload"]>,
  ctx?: RequestContext,
): Promise<string> {
  const row = outboxRow(event, payload, ctx);
  await tx.insert(outbox).values(row);
  return row.id;
}
