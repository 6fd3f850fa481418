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

/**
 * Records an event in the outbox inside the caller's transaction; the payload is checked against
 * the event's contract first. Returns the event id.
 */
export async function enqueueEvent<E extends EventContract>(
  tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>,
  outbox: OutboxTable,
  event: E,
  payload: z.input<E["payload"]>,
  ctx?: RequestContext,
): Promise<string> {
  const id = crypto.randomUUID();
  const headers: Record<string, string> = ctx
    ? { "x-request-id": ctx.requestId, traceparent: ctx.traceparent }
    : {};
  const namespace = ctx?.namespace ?? processNamespace;
  if (namespace) headers[NAMESPACE_HEADER] = namespace;
  await tx.insert(outbox).values({
    id,
    subject: event.subject,
    version: event.version,
    payload: event.payload.parse(payload),
    headers,
  });
  noteEventsWritten(ctx);
  return id;
}
