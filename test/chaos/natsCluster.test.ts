import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { adminUrl } from "../support/env.ts";
import { errorCode } from "../support/errors.ts";
import { ThrowawayCluster } from "../support/natsCluster.ts";
import { Stack, uniqueEmail } from "../support/stack.ts";

// Chaos: a three-node NATS cluster (event stream with 3 replicas) loses a node while users sign up.
// Clients fail over to the other nodes; every successful sign-up gets exactly one welcome notification.
const cluster = new ThrowawayCluster();
let stack: Stack;
const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  await cluster.start();
  stack = await Stack.start({
    services: ["users", "notifications"],
    env: {
      NATS_URL: cluster.url,
      EVENTS_REPLICAS: "3",
      REQUEST_TIMEOUT_MS: "2000",
      RATE_LIMIT_ENABLED: "false",
    },
  });
}, 90_000);

afterAll(async () => {
  await sql.end();
  await stack?.[Symbol.asyncDispose]();
  await cluster[Symbol.asyncDispose]();
}, 30_000);

describe("chaos: a NATS cluster loses a node", () => {
  test("clients fail over and no event is lost or doubled", async () => {
    const signedUp: string[] = [];
    const failures: string[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        try {
          const s = await stack
            .client()
            .users.signUp.mutate({ email: uniqueEmail("node"), password: "password123", name: "N" });
          signedUp.push(s.user.id);
        } catch (error) {
          failures.push(await errorCode(Promise.reject(error)));
          await Bun.sleep(50);
        }
      }
    })();

    await Bun.sleep(700);
    const [victim] = cluster.nodes;
    if (victim) await cluster.stopNode(victim);
    const before = signedUp.length;
    const until = Date.now() + 20_000;
    while (Date.now() < until && signedUp.length < before + 10) await Bun.sleep(100);
    running = false;
    await load;

    let welcomed = 0;
    let doubled = 0;
    while (Date.now() < until + 20_000) {
      const rows = await sql<{ n: number }[]>`
        select count(*)::int as n from notifications.notifications
        where kind = 'welcome' and user_id::text in ${sql(signedUp)} group by user_id`;
      welcomed = rows.length;
      doubled = rows.filter((r) => r.n !== 1).length;
      if (welcomed === signedUp.length) break;
      await Bun.sleep(250);
    }
    console.log(
      `chaos: NATS node lost: ${signedUp.length} sign-ups succeeded (${signedUp.length - before} after the loss), ${failures.length} failed cleanly, ${welcomed} welcomes, ${doubled} doubled`,
    );
    expect(failures.every((code) => code === "SERVICE_UNAVAILABLE")).toBe(true);
    expect(signedUp.length).toBeGreaterThanOrEqual(before + 10);
    expect(welcomed).toBe(signedUp.length);
    expect(doubled).toBe(0);
  }, 90_000);
});
