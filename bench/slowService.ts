// Scenario 6 of the chaos suite as a benchmark: the p99 of users, notifications and search through
// the gateway without and with a slow, flooded payments service (its processor takes `latency` ms),
// phases alternating; target: p99 with the slow service within 20 % of without (ratio ≤ 1.20).
// The slow clients start spread over the latency, and after a refusal wait what Retry-After says;
// --flood makes them retry 100 ms after a refusal instead, whatever they were told.
// The other services get a steady 100 calls/s each (from 4 clients), timed from when each was due.
// Usage: bun bench/slowService.ts [phase seconds = 5] [rounds = 3] [calls/s per other service = 100]
//          [slow clients = 150] [latency ms = 1500] [bulkhead = gateway default] [--flood]
import { describeSlowService, measureSlowService, p99Ratio } from "../test/support/slowService.ts";
import { Stack } from "../test/support/stack.ts";

const args = process.argv.slice(2);
const flood = args.includes("--flood");
const [phaseSeconds = 5, rounds = 3, otherRate = 100, slowClients = 150, latencyMs = 1500, bulkhead] = args
  .filter((a) => !a.startsWith("--"))
  .map(Number);

await using stack = await Stack.start({
  services: ["users", "payments", "notifications", "search"],
  env: {
    SANDBOX_LATENCY_MS: String(latencyMs),
    ...(bulkhead ? { BULKHEAD_MAX_INFLIGHT: String(bulkhead) } : {}),
  },
});
console.log(
  `slow service: payments +${latencyMs} ms, ${slowClients} clients charging it (${flood ? "a flood: retrying 100 ms after a refusal" : "honouring Retry-After"}); ${otherRate} calls/s to each other service; ${rounds} × (${phaseSeconds} s without, ${phaseSeconds} s with); bulkhead ${bulkhead ?? "default (100)"}`,
);
const result = await measureSlowService(stack, {
  otherClients: 4,
  otherRate,
  slowClients,
  phaseMs: phaseSeconds * 1000,
  rounds,
  honourRetryAfter: !flood,
  spreadMs: latencyMs,
});
for (const line of describeSlowService(result)) console.log(line);
const ratio = p99Ratio(result);
console.log(
  `p99 with / without the slow service: ${ratio.toFixed(2)} (target ≤ 1.20: ${ratio <= 1.2 ? "met" : "not met"})`,
);
