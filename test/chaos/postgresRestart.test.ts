import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TRPCClientError } from "@portico/client";
import postgres from "postgres";
import { recordChaosRow } from "../support/chaos.ts";
import { errorCode } from "../support/errors.ts";
import { ThrowawayPostgres } from "../support/postgres.ts";
import { runCommand } from "../support/process.ts";
import { Stack, uniqueEmail } from "../support/stack.ts";

// Chaos: Postgres crashes (`pg_ctl stop -m immediate`) while users are charged, stays down ~1.5 s
// and comes back. Calls fail cleanly with typed, retryable errors while it is gone; no service
// process dies and their pools reconnect by themselves; a client retrying with the same idempotency
// key gets every charge exactly once; nothing is half-written: the ledger balances and every payment
// has its event and its receipt. Runs against a throwaway cluster, never the machine's shared Postgres.
const pg = new ThrowawayPostgres();
let stack: Stack;

beforeAll(async () => {
  await pg.start();
  await pg.provision();
  // A short idempotency lease: a key whose payment could not be written is resumed after a second.
  stack = await Stack.start({
    services: ["users", "payments", "notifications"],
    processEnv: (name): Record<string, string> =>
      name === "gateway" ? {} : { DATABASE_URL: pg.serviceUrl(name) },
    env: { REQUEST_TIMEOUT_MS: "2000", IDEMPOTENCY_LEASE_MS: "1000" },
  });
}, 60_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
  await pg[Symbol.asyncDispose]();
}, 30_000);

/** What a client may see while the database is gone: a retryable code, and a message with no internals. */
const expectedCodes = new Set(["SERVICE_UNAVAILABLE", "CONFLICT"]);
const internals = /postgres|econn|sql|select |insert |terminat|connection|\.ts:|\n\s+at /i;

/** Services of the stack whose process has exited (a crash: nothing in this test stops them). */
async function exitedServices(stack: Stack): Promise<string[]> {
  const all = [...stack.instances].flatMap(([name, procs]) => procs.map((p) => ({ name, p })));
  const states = await Promise.all(
    all.map(({ name, p }) => Promise.race([p.exited.then((code) => `${name} exited ${code}`), Bun.sleep(1)])),
  );
  return states.filter((s): s is string => typeof s === "string");
}

/** `bun run payments:verify` against the throwaway cluster: its exit code and verdict. */
async function verifyLedger(): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await runCommand(["bun", "apps/payments/src/verify.ts"], {
    cwd: `${import.meta.dir}/../..`,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: pg.serviceUrl("payments"),
    },
  });
  return { code, output: `${stdout}${stderr}`.trim() };
}

/** Per payment: its `payment.succeeded` outbox rows, whether all were relayed, and the receipts made from them. */
async function eventsOf(sql: postgres.Sql, paymentIds: string[]) {
  const rows = await sql<{ payment_id: string; events: number; published: boolean; receipts: number }[]>`
    select o.payload->>'paymentId' as payment_id, count(distinct o.id)::int as events,
           bool_and(o.published_at is not null) as published, count(n.id)::int as receipts
    from payments.outbox o left join notifications.notifications n on n.event_id = o.id::text
    where o.subject = 'payment.succeeded' and o.payload->>'paymentId' in ${sql(paymentIds)}
    group by 1`;
  return new Map(rows.map((r) => [r.payment_id, r]));
}

describe("chaos: Postgres restarts under load", () => {
  test("typed errors while it is down, recovery after, every charge exactly once with its event", async () => {
    const session = await stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("pgchaos"), password: "password-for-tests", name: "P" });
    const api = stack.client(() => session.accessToken);
    const charged = new Map<string, string>(); // idempotency key → the payment id the client got
    const failures = { expected: new Map<string, number>(), unexpected: [] as string[] };
    let attempts = 0;
    let afterRestart = 0;
    let firstAfterRestart = 0;
    let restartedAt = Number.POSITIVE_INFINITY;
    let running = true;

    // A client that retries a failed charge with the same key, as a real one would.
    const chargeOnce = async (key: string) => {
      for (const giveUpAt = Date.now() + 20_000; Date.now() < giveUpAt; await Bun.sleep(100)) {
        attempts++;
        try {
          const payment = await api.payments.charge.mutate({
            amount: 250,
            currency: "EUR",
            source: "tok_visa",
            idempotencyKey: key,
          });
          charged.set(key, payment.id);
          if (Date.now() > restartedAt && afterRestart++ === 0) firstAfterRestart = Date.now();
          return;
        } catch (error) {
          if (!(error instanceof TRPCClientError)) throw error;
          const code = String((error.data as { code?: string } | undefined)?.code);
          const leaks = internals.test(error.message) || JSON.stringify(error.data).includes("stack");
          const seen = `${code} "${error.message}"`;
          if (expectedCodes.has(code) && !leaks)
            failures.expected.set(seen, (failures.expected.get(seen) ?? 0) + 1);
          else failures.unexpected.push(seen);
        }
      }
      failures.unexpected.push(`gave up on ${key}`);
    };
    const workers = Array.from({ length: 6 }, async () => {
      while (running) await chargeOnce(crypto.randomUUID());
    });

    await Bun.sleep(1000);
    const beforeOutage = charged.size;
    await pg.stop("immediate");
    await Bun.sleep(1500);
    await pg.start();
    restartedAt = Date.now();
    while (Date.now() < restartedAt + 15_000 && afterRestart < 20) await Bun.sleep(100);
    running = false;
    await Promise.all(workers);
    const crashed = await exitedServices(stack);

    // What the database holds, once every payment's receipt has had time to arrive: an event that met
    // the outage is redelivered after 1, 2, 4 and 8 s (EVENTS_BACKOFF_MS), and crash recovery can
    // take several seconds on a busy machine.
    const sql = postgres(pg.adminUrl, { max: 1, onnotice: () => undefined });
    const ids = [...charged.values()];
    const complete = (e?: { events: number; published: boolean; receipts: number }) =>
      e?.events === 1 && e.published && e.receipts === 1;
    let events = await eventsOf(sql, ids);
    const until = Date.now() + 25_000;
    while (Date.now() < until && !ids.every((id) => complete(events.get(id)))) {
      await Bun.sleep(200);
      events = await eventsOf(sql, ids);
    }
    const keys = await sql<{ key: string; payment_id: string | null; state: string }[]>`
      select k.key, p.id::text as payment_id, k.state from payments.idempotency_keys k
      left join payments.payments p on p.idempotency_key_id = k.id where k.user_id = ${session.user.id}`;
    await sql.end();
    const ledger = await verifyLedger();

    const paymentOfKey = new Map(keys.map((k) => [k.key, k.payment_id]));
    const lost = [...charged].filter(([key, id]) => paymentOfKey.get(key) !== id);
    const extra = keys.filter((k) => !charged.has(k.key));
    const incomplete = ids.filter((id) => !complete(events.get(id)));
    const expected = [...failures.expected.values()].reduce((a, b) => a + b, 0);
    const kinds = [...failures.expected].map(([seen, n]) => `${n} × ${seen}`).join(", ");
    console.log(
      `chaos: Postgres restart: ${charged.size} charges (${beforeOutage} before the outage, ${afterRestart} after the restart, the first ${firstAfterRestart - restartedAt} ms after it), ${attempts} attempts, ${expected} clean retryable failures (${kinds}), ${failures.unexpected.length} unexpected; ${lost.length} lost, ${extra.length} extra, ${incomplete.length} without exactly one relayed event and one receipt; ${ledger.output}`,
    );
    recordChaosRow({
      scenario: "4 Postgres restart",
      requests: attempts,
      successes: charged.size,
      expectedFailures: expected,
      unexpectedFailures: attempts - charged.size - expected,
      lostOrDuplicated: lost.length + extra.length + incomplete.length,
    });

    expect(crashed).toEqual([]);
    expect(failures.unexpected).toEqual([]);
    expect(expected).toBeGreaterThan(0); // the outage was felt
    expect(afterRestart).toBeGreaterThanOrEqual(20);
    expect(lost).toEqual([]);
    expect(extra).toEqual([]);
    expect(keys.filter((k) => k.state !== "completed")).toEqual([]);
    expect(incomplete.map((id) => ({ id, ...events.get(id) }))).toEqual([]);
    expect(ledger.code).toBe(0);
    expect(await errorCode(api.users.me.query())).toBe("ok");
    expect(await errorCode(api.notifications.list.query({ limit: 1 }))).toBe("ok");
  }, 90_000);
});
