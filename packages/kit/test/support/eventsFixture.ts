import { defineEvent } from "@portico/contracts";
import { sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import { connect, type NatsConnection } from "nats";
import postgres from "postgres";
import { z } from "zod";
import { newRequestContext } from "../../src/context.ts";
import { enqueueEvent, outboxTable } from "../../src/db/outbox.ts";
import { processedEventsTable } from "../../src/db/processed.ts";
import { loadEnv } from "../../src/env.ts";
import { type EventConsumer, startConsumers, startRelay } from "../../src/events/index.ts";
import { ensureEventStream, eventStreamName } from "../../src/events/stream.ts";
import { createLogger } from "../../src/log.ts";

/** A schema of the kit's own tests, created as the admin (tests only). */
export const kitSchema = pgSchema("kit_events_test");
export const outbox = outboxTable(kitSchema);
export const processed = processedEventsTable(kitSchema);

export const pinged = defineEvent(
  "test.pinged",
  1,
  z.object({ n: z.int(), poison: z.boolean().default(false) }),
);

const adminUrl = loadEnv(
  z.object({ DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico") }),
).DATABASE_ADMIN_URL;
// Shared by every test file of the kit in one `bun test` process, so never ended by one of them;
// idle connections close by themselves.
export const client = postgres(adminUrl, { max: 8, idle_timeout: 1, onnotice: () => undefined });
export const db = drizzle({ client, casing: "snake_case" });
export const quietLog = createLogger({ service: "kit-test" }, "error", () => undefined);

/** Creates the test schema (idempotent; concurrent test runs are serialised by an advisory lock). */
export async function createTables(): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('kit_events_test'))`);
    await tx.execute(sql`create schema if not exists kit_events_test`);
    await tx.execute(sql`create table if not exists kit_events_test.outbox (
      id uuid primary key, subject text not null, version integer not null, payload jsonb not null,
      headers jsonb not null, created_at timestamptz not null default now(), published_at timestamptz)`);
    await tx.execute(sql`create table if not exists kit_events_test.processed_events (
      consumer text not null, event_id text not null, processed_at timestamptz not null default now(),
      primary key (consumer, event_id))`);
    // What an idempotent consumer writes: one row per event, keyed on the event id.
    await tx.execute(sql`create table if not exists kit_events_test.effects (
      event_id text primary key, n integer not null)`);
  });
}

/** Writes `count` events of a namespace to the outbox, one transaction each; returns their ids. */
export async function enqueue(namespace: string, payloads: Array<{ n: number; poison?: boolean }>) {
  const ids: string[] = [];
  for (const payload of payloads) {
    const ctx = { ...newRequestContext(1000, { requestId: `req-${payload.n}` }), namespace };
    ids.push(await db.transaction((tx) => enqueueEvent(tx, outbox, pinged, payload, ctx)));
  }
  return ids;
}

export const relayOptions = (nc: NatsConnection, namespace: string) => ({
  db,
  table: outbox,
  js: nc.jetstream(),
  namespace,
  log: quietLog,
  batchSize: 50,
  pollMs: 200,
});

/** Starts consumers of `handlers` in one (service, namespace) with fast retries. */
export async function consumersOf(nc: NatsConnection, namespace: string, consumers: EventConsumer[]) {
  return startConsumers({
    js: nc.jetstream(),
    jsm: await nc.jetstreamManager(),
    namespace,
    service: "kittest",
    consumers,
    inbox: { db, table: processed },
    log: quietLog,
    maxDeliver: 3,
    backoffMs: 50,
    backoffMaxMs: 200,
    concurrency: 4,
    timeoutMs: 2000,
  });
}

/** A connection and the event stream of a fresh namespace; `cleanup` deletes the stream. */
export async function openNamespace(url: string) {
  const namespace = `k${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const jsm = await nc.jetstreamManager();
  await ensureEventStream(jsm, namespace, { duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
  return {
    namespace,
    nc,
    jsm,
    async cleanup() {
      await jsm.streams.delete(eventStreamName(namespace)).catch(() => undefined);
      await nc.close();
    },
  };
}

export { startRelay };

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await Bun.sleep(20);
  }
  return check();
}
