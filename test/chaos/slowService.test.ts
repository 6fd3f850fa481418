import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { recordChaosRow } from "../support/chaos.ts";
import { describeSlowService, measureSlowService, p99Ratio } from "../support/slowService.ts";
import { Stack } from "../support/stack.ts";

// Chaos: payments turns slow (its processor takes 1.5 s) and gets more charges than its bulkhead
// admits. Its calls are either answered or refused by the gateway's bulkhead without reaching it
// (SERVICE_UNAVAILABLE "busy", counted in /metrics, with Retry-After: 1 s, which the load's clients
// honour); users, notifications and search keep answering every call. Their p99 with and without
// the slow service, and how long a refusal took, are printed, not asserted: timing targets belong
// to `bun bench/slowService.ts`.
const latencyMs = 1500;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    services: ["users", "payments", "notifications", "search"],
    env: { SANDBOX_LATENCY_MS: String(latencyMs), BULKHEAD_MAX_INFLIGHT: "8" },
  });
}, 60_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
}, 30_000);

describe("chaos: a slow service", () => {
  test("the bulkhead refuses the slow service's excess at once; the other services keep 100 % success", async () => {
    const r = await measureSlowService(stack, {
      otherClients: 2,
      otherRate: 50,
      slowClients: 16,
      phaseMs: 2000,
      rounds: 2,
      honourRetryAfter: true,
      spreadMs: latencyMs,
    });
    console.log(
      `chaos: slow service (payments +${latencyMs} ms, bulkhead 8):\n${describeSlowService(r).join("\n")}`,
    );
    console.log(
      `chaos: slow service: other services' p99 with / without it = ${p99Ratio(r).toFixed(2)} (target ≤ 1.20; measured, not asserted)`,
    );

    const otherOk = [r.baseline, r.withSlow].flatMap((c) => Object.values(c.ms)).flat().length;
    const otherFailed = [...r.baseline.failed, ...r.withSlow.failed];
    recordChaosRow({
      scenario: "6 slow service",
      requests:
        otherOk + otherFailed.length + r.slow.okMs.length + r.slow.refusedMs.length + r.slow.other.length,
      successes: otherOk + r.slow.okMs.length,
      expectedFailures: r.slow.refusedMs.length,
      unexpectedFailures: otherFailed.length + r.slow.other.length,
      lostOrDuplicated: null,
    });

    expect(otherFailed).toEqual([]);
    for (const calls of [r.baseline, r.withSlow])
      expect(Object.keys(calls.ms).sort()).toEqual(["notifications.unreadCount", "search.query", "users.me"]);
    expect(r.slow.other).toEqual([]);
    expect(r.slow.okMs.length).toBeGreaterThan(0);
    expect(r.slow.refusedMs.length).toBeGreaterThan(0);
    expect(r.bulkheadRejections).toEqual({ payments: r.slow.refusedMs.length });
    // Every refusal tells the client when to come back (Retry-After: 1 s, in the error data too).
    expect(r.retryAfter.length).toBe(r.slow.refusedMs.length);
    expect(r.retryAfter.every((s) => s === 1)).toBe(true);
  }, 60_000);
});
