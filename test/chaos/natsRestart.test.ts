import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { ThrowawayNats } from "../../packages/kit/test/support/natsServer.ts";
import { recordChaosRow, signUpRow, signUpsUnderLoad, welcomesOf } from "../support/chaos.ts";
import { adminUrl } from "../support/env.ts";
import { Stack } from "../support/stack.ts";

// Chaos: NATS restarts while users sign up. Calls made while it is gone fail cleanly; every process
// reconnects by itself; every sign-up that succeeded gets exactly one welcome notification.
const nats = new ThrowawayNats();
let stack: Stack;
const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  await nats.start();
  stack = await Stack.start({
    services: ["users", "notifications"],
    env: { NATS_URL: nats.url, REQUEST_TIMEOUT_MS: "1000" },
  });
}, 60_000);

afterAll(async () => {
  await sql.end();
  await stack?.[Symbol.asyncDispose]();
  await nats[Symbol.asyncDispose]();
}, 30_000);

describe("chaos: NATS restarts under load", () => {
  test("calls fail cleanly while it is gone, everything reconnects, and no event is lost or doubled", async () => {
    const load = signUpsUnderLoad(stack, "restart");
    const { signedUp, failures } = load;

    await Bun.sleep(500);
    await nats.stop();
    await Bun.sleep(1000);
    await nats.start();
    const until = Date.now() + 15_000;
    while (Date.now() < until && (await fetch(`${stack.url}/readyz`)).status !== 200) await Bun.sleep(100);
    const before = signedUp.length;
    while (Date.now() < until && signedUp.length < before + 5) await Bun.sleep(100);
    await load.stop();

    const counts = await welcomesOf(sql, signedUp, until + 15_000 - Date.now());
    recordChaosRow(signUpRow("3 NATS restart", load, counts));
    console.log(
      `chaos: NATS restart: ${signedUp.length} sign-ups succeeded, ${failures.length} failed cleanly (${[...new Set(failures)].join(", ")}), ${counts.size} welcomes`,
    );
    expect(failures.every((code) => code === "SERVICE_UNAVAILABLE")).toBe(true);
    expect(signedUp.length).toBeGreaterThan(before);
    expect(counts.size).toBe(signedUp.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
