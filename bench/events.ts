// `bun bench/events.ts [--signups N] [--events N]`: event backbone figures, printed (not part of `bun test`).
//  1. sign-up → welcome notification: delay from the user row's commit to the notification's live
//     publish (what the gateway streams), over N sign-ups through the gateway, 4 at a time.
//  2. outbox relay throughput: N outbox rows published to JetStream by one relay, and by two.
// Needs Postgres and NATS as for the tests, and `bun run db:migrate`.
import { parseArgs } from "node:util";
import { createLogger, eventStreamName, startRelay } from "@portico/kit";
import { outboxTable } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import { connect } from "nats";
import postgres from "postgres";
import { adminUrl, natsUrl, uniqueNamespace } from "../test/support/env.ts";
import { Stack, uniqueEmail } from "../test/support/stack.ts";

const { values } = parseArgs({
  options: { signups: { type: "string", default: "300" }, events: { type: "string", default: "5000" } },
});
const signups = Number(values.signups);
const eventCount = Number(values.events);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function signUpToNotification(): Promise<void> {
  await using stack = await Stack.start({ services: ["users", "notifications"] });
  const nc = await connect({ servers: natsUrl });
  const arrived = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const sub = nc.subscribe(`${stack.namespace}.notifications.live.>`, {
    callback: (_err, msg) => {
      const userId = msg.subject.split(".").at(-1) ?? "";
      arrived.set(userId, Date.now());
      waiters.get(userId)?.();
    },
  });
  const client = stack.client();
  const fromCommit: number[] = [];
  const fromRequest: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < signups) {
      next += 1;
      const started = Date.now();
      const session = await client.users.signUp.mutate({
        email: uniqueEmail("bench"),
        password: "correct horse",
        name: "Bench",
      });
      const id = session.user.id;
      if (!arrived.has(id)) await new Promise<void>((resolve) => waiters.set(id, resolve));
      const at = arrived.get(id) ?? Date.now();
      fromCommit.push(at - Date.parse(session.user.createdAt));
      fromRequest.push(at - started);
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker(), worker(), worker()]);
  const seconds = (performance.now() - t0) / 1000;
  sub.unsubscribe();
  await nc.close();
  for (const [label, list] of [
    ["user committed → notification live", fromCommit],
    ["sign-up request → notification live", fromRequest],
  ] as const) {
    const sorted = [...list].sort((a, b) => a - b);
    console.log(
      `${label}: median ${fmt(pct(sorted, 0.5))}, p99 ${fmt(pct(sorted, 0.99))}, max ${fmt(sorted.at(-1) ?? 0)} (n=${sorted.length}, ${(list.length / seconds).toFixed(0)} sign-ups/s)`,
    );
  }
}

async function relayThroughput(relays: number): Promise<void> {
  const client = postgres(adminUrl, { max: 4 + relays, onnotice: () => undefined });
  const db = drizzle({ client, casing: "snake_case" });
  const outbox = outboxTable(pgSchema("users"));
  const namespace = uniqueNamespace();
  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: eventStreamName(namespace), subjects: [`${namespace}.events.>`] });
  const ns = JSON.stringify({ "portico-namespace": namespace });
  try {
    await db.execute(sql`insert into users.outbox (id, subject, version, payload, headers)
      select gen_random_uuid(), 'user.updated', 1,
        jsonb_build_object('userId', gen_random_uuid(), 'name', 'Bench ' || i, 'updatedAt', now()), ${ns}::jsonb
      from generate_series(1, ${eventCount}) i`);
    const log = createLogger({ service: "bench" }, "error");
    const t0 = performance.now();
    const running = Array.from({ length: relays }, () =>
      startRelay({ db, table: outbox, js: nc.jetstream(), namespace, log, batchSize: 100, pollMs: 50 }),
    );
    for (;;) {
      const info = await jsm.streams.info(eventStreamName(namespace));
      if (info.state.messages >= eventCount) break;
      await Bun.sleep(10);
    }
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(running.map((r) => r.stop()));
    console.log(
      `relay throughput (${relays} relay${relays > 1 ? "s" : ""}, batches of 100): ${eventCount} events in ${seconds.toFixed(2)} s = ${(eventCount / seconds).toFixed(0)} events/s`,
    );
  } finally {
    await db.execute(sql`delete from users.outbox where headers->>'portico-namespace' = ${namespace}`);
    await jsm.streams.delete(eventStreamName(namespace)).catch(() => undefined);
    await nc.close();
    await client.end();
  }
}

await signUpToNotification();
await relayThroughput(1);
await relayThroughput(2);
process.exit(0);
