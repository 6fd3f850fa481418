import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { recordChaosRow } from "../support/chaos.ts";
import { adminUrl } from "../support/env.ts";
import { errorCode } from "../support/errors.ts";
import { Stack, uniqueEmail } from "../support/stack.ts";

// Chaos: `kill -9` one of two payments instances while charges are in flight. Calls that were with
// the dead instance time out as SERVICE_UNAVAILABLE; a client retrying with the same idempotency key
// then succeeds on the survivor, and no key is ever charged twice.
let stack: Stack;
const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  // A short idempotency lease: a key the dead instance held is taken over after a second, not 30.
  // A processor round trip of 50 ms keeps charges in flight on both instances when one is killed.
  stack = await Stack.start({
    services: ["users", "payments"],
    env: { REQUEST_TIMEOUT_MS: "1500", IDEMPOTENCY_LEASE_MS: "1000", SANDBOX_LATENCY_MS: "50" },
  });
  await stack.startService("payments");
}, 60_000);

afterAll(async () => {
  await sql.end();
  await stack?.[Symbol.asyncDispose]();
}, 30_000);

describe("chaos: an instance dies under load", () => {
  test("kill -9 one of two payments instances: every charge lands exactly once", async () => {
    const session = await stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("chaos"), password: "password-for-tests", name: "C" });
    const api = stack.client(() => session.accessToken);
    const keys = Array.from({ length: 120 }, () => crypto.randomUUID());
    const outcomes = { first: 0, retried: 0, expected: 0, unexpected: [] as string[] };

    // A client that retries failed charges with the same key for up to 20 s (the breaker may open
    // for a few seconds while the dead instance's calls time out).
    const charge = async (key: string) => {
      const giveUpAt = Date.now() + 20_000;
      for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
        const code = await errorCode(
          api.payments.charge.mutate({
            amount: 100,
            currency: "USD",
            source: "tok_visa",
            idempotencyKey: key,
          }),
        );
        if (code === "ok") {
          if (attempt === 0) outcomes.first++;
          else outcomes.retried++;
          return;
        }
        // The dead instance's calls time out; its keys answer CONFLICT (in progress) until their
        // lease lapses and the survivor takes them over.
        if (code !== "SERVICE_UNAVAILABLE" && code !== "CONFLICT") outcomes.unexpected.push(code);
        else outcomes.expected++;
        await Bun.sleep(250);
      }
      outcomes.unexpected.push(`gave up on ${key}`);
    };

    const victim = stack.instances.get("payments")?.[0];
    let next = 0;
    const workers = Array.from({ length: 16 }, async () => {
      while (next < keys.length) {
        const key = keys[next++];
        if (key) await charge(key);
      }
    });
    // Killed once a quarter of the keys have gone out, halfway through the processor's 50 ms, so
    // the calls just sent are inside the instances (killed as they are sent, they would all go to
    // the survivor).
    while (next < keys.length / 4) await Bun.sleep(1);
    await Bun.sleep(25);
    await victim?.kill();
    await Promise.all(workers);

    console.log(
      `chaos: kill -9 one of two payments instances: ${outcomes.first} charged first time, ${outcomes.retried} after a retry, ${outcomes.unexpected.length} unexpected`,
    );
    const [row] = await sql<{ payments: number; keys: number }[]>`
      select count(*)::int as payments, count(distinct k.key)::int as keys
      from payments.payments p join payments.idempotency_keys k on k.id = p.idempotency_key_id
      where p.user_id = ${session.user.id}`;
    const successes = outcomes.first + outcomes.retried;
    recordChaosRow({
      scenario: "1 kill -9 one of two payments instances",
      requests:
        successes + outcomes.expected + outcomes.unexpected.filter((u) => !u.startsWith("gave up")).length,
      successes,
      expectedFailures: outcomes.expected,
      unexpectedFailures: outcomes.unexpected.length,
      // keys never charged, and payments beyond one per key
      lostOrDuplicated: keys.length - (row?.keys ?? 0) + (row?.payments ?? 0) - (row?.keys ?? 0),
    });
    expect(outcomes.unexpected).toEqual([]);
    // The kill met charges in flight: they failed, and their retries landed on the survivor.
    expect(outcomes.retried).toBeGreaterThan(0);
    expect(successes).toBe(keys.length);
    expect(row).toEqual({ payments: keys.length, keys: keys.length });
    expect(await errorCode(api.payments.list.query({ limit: 1 }))).toBe("ok");
  }, 60_000);
});
