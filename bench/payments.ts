// payments.charge through the gateway, with the stack as separate processes (as `bun run start` runs it):
// 1. sustained charges with unique idempotency keys, one user per connection;
// 2. the duplicate-key storm: many concurrent charges sharing one key, round after round.
// Then checks that each storm key charged exactly once and that the ledger invariants hold, prints the
// CPU each process used per charge, and deletes what the bench wrote (its users' payments,
// notifications and search documents, vacuumed so the next run meets no dead rows: this machine's
// Postgres runs without autovacuum) unless --keep is given.
// The whole system runs, as `bun run start` runs it: notifications and search consume every payment
// event on the same cores. --services=users,payments runs the charge path alone.
// Usage: bun bench/payments.ts [seconds = 10] [concurrency = 64] [payments instances = 1] [storm rounds = 10] [storm size = 200]
//        [--services=users,payments,notifications,search] [--keep] [--profile=DIR]
// --profile=DIR: every process writes a CPU profile (Markdown, `bun --cpu-prof-md`) to DIR when it exits.
import { createDatabase } from "@portico/kit/db";
import { inArray, sql } from "drizzle-orm";
import * as notificationsSchema from "../apps/notifications/src/schema.ts";
import { checkLedger } from "../apps/payments/src/invariants.ts";
import * as schema from "../apps/payments/src/schema.ts";
import * as searchSchema from "../apps/search/src/schema.ts";
import { serviceDatabaseUrl } from "../test/support/env.ts";
import { type AppName, Stack, uniqueEmail } from "../test/support/stack.ts";
import { meterCpu, pidsNamed } from "./lib/cpu.ts";

const args = process.argv.slice(2);
const [seconds = 10, concurrency = 64, instances = 1, stormRounds = 10, stormSize = 200] = args
  .filter((a) => !a.startsWith("--"))
  .map(Number);
const services = (
  args.find((a) => a.startsWith("--services="))?.slice("--services=".length) ??
  "users,payments,notifications,search"
)
  .split(",")
  .filter((s): s is AppName => ["users", "payments", "notifications", "search"].includes(s));
const keep = args.includes("--keep");
const profileDir = args.find((a) => a.startsWith("--profile="))?.slice("--profile=".length);

interface Tally {
  latencies: number[];
  ok: number;
  conflicts: number;
  /** 503: the gateway's per-service bulkhead (BULKHEAD_MAX_INFLIGHT) refused the call. */
  shed: number;
  errors: number;
  elapsedMs: number;
}
const tally = (): Tally => ({ latencies: [], ok: 0, conflicts: 0, shed: 0, errors: 0, elapsedMs: 0 });
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

const benchStartedAt = new Date(Date.now() - 1000);
await using stack = await Stack.start({
  services,
  // Default configuration (sandbox latency 0, rate limiting on) with per-user limits high enough never to
  // refuse: the bench measures charging, not refusing.
  env: {
    RATE_LIMIT_USER: "100000000/60s",
    RATE_LIMIT_AUTH: "100000/60s",
    ...(profileDir ? { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${profileDir}` } : {}),
  },
});
for (let i = 1; i < instances; i += 1) await stack.startService("payments");

const client = stack.client();
const tokens: string[] = [];
const userIds: string[] = [];
for (let i = 0; i < Math.max(concurrency, stormRounds); i += 1) {
  const session = await client.users.signUp.mutate({
    email: uniqueEmail("bench"),
    password: "bench-password",
    name: "Bench",
  });
  tokens.push(session.accessToken);
  userIds.push(session.user.id);
}

async function charge(token: string, idempotencyKey: string, t: Tally): Promise<void> {
  const t0 = performance.now();
  const res = await fetch(`${stack.url}/trpc/payments.charge`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ amount: 1299, currency: "USD", source: "tok_visa", idempotencyKey }),
  });
  await res.arrayBuffer();
  if (res.ok) {
    t.ok += 1;
    t.latencies.push(performance.now() - t0);
  } else if (res.status === 409) t.conflicts += 1;
  else if (res.status === 503) t.shed += 1;
  else t.errors += 1;
}

/** Baseline on the same path: `payments.get` of a missing id is one primary-key SELECT behind the gateway. */
async function get(token: string, t: Tally): Promise<void> {
  const t0 = performance.now();
  const input = encodeURIComponent(JSON.stringify({ id: crypto.randomUUID() }));
  const res = await fetch(`${stack.url}/trpc/payments.get?input=${input}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  if (res.status === 404) {
    t.ok += 1;
    t.latencies.push(performance.now() - t0);
  } else if (res.status === 503) t.shed += 1;
  else t.errors += 1;
}

async function sustained(durationS: number, op: (token: string, t: Tally) => Promise<void>): Promise<Tally> {
  const t = tally();
  const until = performance.now() + durationS * 1000;
  const started = performance.now();
  await Promise.all(
    tokens.slice(0, concurrency).map(async (token) => {
      while (performance.now() < until) await op(token, t);
    }),
  );
  t.elapsedMs = performance.now() - started;
  return t;
}
const uniqueCharge = (token: string, t: Tally) => charge(token, crypto.randomUUID(), t);

const stormKeys: string[] = [];
async function storm(): Promise<Tally> {
  const t = tally();
  const started = performance.now();
  for (let round = 0; round < stormRounds; round += 1) {
    const key = `storm-${crypto.randomUUID()}`;
    stormKeys.push(key);
    const token = tokens[round] ?? "";
    await Promise.all(Array.from({ length: stormSize }, () => charge(token, key, t)));
  }
  t.elapsedMs = performance.now() - started;
  return t;
}

function row(name: string, t: Tally): string {
  const sorted = t.latencies.sort((a, b) => a - b);
  const total = t.ok + t.conflicts + t.shed + t.errors;
  return `| ${name} | ${total} | ${((total / t.elapsedMs) * 1000).toFixed(0)} | ${((t.ok / t.elapsedMs) * 1000).toFixed(0)} | ${quantile(sorted, 0.5).toFixed(1)} | ${quantile(sorted, 0.99).toFixed(1)} | ${t.conflicts} | ${t.shed} | ${t.errors} |`;
}

await sustained(2, uniqueCharge); // warm-up: JIT, connection pools, signing keys
const baseline = await sustained(Math.max(2, seconds / 2), get);
const pidsOf = (name: AppName | "gateway") => () =>
  name === "gateway"
    ? stack.gateways.map((g) => g.process.pid)
    : (stack.instances.get(name) ?? []).map((p) => p.pid);
const cpu = meterCpu({
  gateway: pidsOf("gateway"),
  ...Object.fromEntries(services.map((name) => [name, pidsOf(name)])),
  // Every backend on the machine: anything else using Postgres meanwhile is counted too.
  postgres: () => pidsNamed("postgres"),
  "nats-server": () => pidsNamed("nats-server"),
  bench: () => [process.pid],
});
const steady = await sustained(seconds, uniqueCharge);
const cpuUsed = cpu.stop();
const dupes = await storm();

console.log(
  `payments.charge through the gateway: ${concurrency} connections, ${instances} payments instance(s), ${seconds}s;`,
);
console.log(`storm: ${stormRounds} rounds × ${stormSize} concurrent requests sharing one key`);
console.log(
  "| scenario | requests | req/s | ok/s | p50 ms | p99 ms | 409 CONFLICT | 503 shed | other errors |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
console.log(row("baseline: payments.get (1 PK select)", baseline));
console.log(row("charge, unique keys", steady));
console.log(row("duplicate-key storm", dupes));
console.log(`\nCPU per charge (ms, steady phase; services: ${services.join(", ")}):`);
const perCharge = Object.entries(cpuUsed).map(([name, ms]) => `${name} ${(ms / steady.ok).toFixed(3)}`);
const totalMs = Object.values(cpuUsed).reduce((a, b) => a + b, 0);
console.log(`${perCharge.join(" · ")} · total ${(totalMs / steady.ok).toFixed(3)}`);

const database = createDatabase(serviceDatabaseUrl("payments"), schema, {
  max: 1,
  appName: "payments-bench",
});
try {
  const charged = await database.db.execute<{ n: number }>(sql`
    select count(*)::int as n from payments.payments p
    join payments.idempotency_keys k on k.id = p.idempotency_key_id where k.key in ${stormKeys}`);
  console.log(
    `storm keys: ${stormKeys.length}, payments created for them: ${charged[0]?.n ?? "?"} (must be equal)`,
  );
  const violations = await checkLedger(database.db, { since: benchStartedAt });
  console.log(
    violations.length === 0
      ? "ledger invariants: all hold"
      : `LEDGER VIOLATIONS: ${JSON.stringify(violations)}`,
  );
  if (violations.length > 0 || charged[0]?.n !== stormKeys.length) process.exitCode = 1;
  if (!keep) await forgetBenchData(database.db);
} finally {
  await database.close();
}

/** Deletes what the bench's users left, so repeated runs do not grow the shared databases. */
async function forgetBenchData(db: typeof database.db): Promise<void> {
  const { ledgerEntries, refunds, payments, idempotencyKeys, outbox } = schema;
  const theirs = db.select({ id: payments.id }).from(payments).where(inArray(payments.userId, userIds));
  await db.transaction(async (tx) => {
    await tx.delete(ledgerEntries).where(inArray(ledgerEntries.paymentId, theirs));
    await tx.delete(refunds).where(inArray(refunds.paymentId, theirs));
    await tx.delete(payments).where(inArray(payments.userId, userIds));
    await tx.delete(idempotencyKeys).where(inArray(idempotencyKeys.userId, userIds));
    await tx.delete(outbox).where(inArray(sql`${outbox.payload}->>'userId'`, userIds));
  });
  // What a run leaves behind besides its rows: every insert and update left a dead row version.
  await db.execute(sql`vacuum ${ledgerEntries}, ${refunds}, ${payments}, ${idempotencyKeys}, ${outbox}`);
  if (services.includes("notifications")) {
    const { notifications } = notificationsSchema;
    await inDatabaseOf("notifications", notificationsSchema, async (other) => {
      await other.delete(notifications).where(inArray(notifications.userId, userIds));
      await other.execute(sql`vacuum ${notifications}`);
    });
  }
  if (services.includes("search")) {
    const { documents, words } = searchSchema;
    await inDatabaseOf("search", searchSchema, async (other) => {
      await other.delete(documents).where(sql`${documents.namespace} = ${stack.namespace}`);
      await other.execute(sql`vacuum ${documents}, ${words}`);
    });
  }
  console.log("bench data deleted and its tables vacuumed (--keep keeps it)");
}

/** Runs `work` on a short-lived connection to another service's database. */
async function inDatabaseOf<S extends Record<string, unknown>>(
  service: AppName,
  serviceSchema: S,
  work: (db: ReturnType<typeof createDatabase<S>>["db"]) => Promise<unknown>,
): Promise<void> {
  const other = createDatabase(serviceDatabaseUrl(service), serviceSchema, {
    max: 1,
    appName: "payments-bench",
  });
  try {
    await work(other.db);
  } finally {
    await other.close();
  }
}
