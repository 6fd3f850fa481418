import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { recordChaosRow, signUpRow, signUpsUnderLoad, welcomesOf } from "../support/chaos.ts";
import { adminUrl } from "../support/env.ts";
import { ThrowawayCluster } from "../support/natsCluster.ts";
import { Stack } from "../support/stack.ts";

// Chaos: a three-node NATS cluster (event stream with 3 replicas) loses a node while users sign up.
// Clients fail over to the other nodes; every successful sign-up gets exactly one welcome notification.
// Runs with `bun run chaos` only, not in `bun run test`: after the node loss, delivery to the consumer
// sometimes resumes only after 30–40 s or more (consumer fail-over on this nats-server), which makes it
// too slow and too variable for CI.
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
    const load = signUpsUnderLoad(stack, "node");
    const { signedUp, failures } = load;

    await Bun.sleep(700);
    const [victim] = cluster.nodes;
    if (victim) await cluster.stopNode(victim);
    const before = signedUp.length;
    const until = Date.now() + 20_000;
    while (Date.now() < until && signedUp.length < before + 10) await Bun.sleep(100);
    await load.stop();

    const counts = await welcomesOf(sql, signedUp, until + 20_000 - Date.now());
    recordChaosRow(signUpRow("5 NATS cluster loses a node", load, counts));
    const welcomed = counts.size;
    const doubled = [...counts.values()].filter((n) => n !== 1).length;
    console.log(
      `chaos: NATS node lost: ${signedUp.length} sign-ups succeeded (${signedUp.length - before} after the loss), ${failures.length} failed cleanly, ${welcomed} welcomes, ${doubled} doubled`,
    );
    expect(failures.every((code) => code === "SERVICE_UNAVAILABLE")).toBe(true);
    expect(signedUp.length).toBeGreaterThanOrEqual(before + 10);
    expect(welcomed).toBe(signedUp.length);
    expect(doubled).toBe(0);
  }, 90_000);
});
