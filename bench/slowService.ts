// Scenario 6 of the chaos suite as a benchmark: the p99 of users, notifications and search through
// the gateway without and with a slow, flooded payments service (its processor takes `latency` ms),
// phases alternating; target: p99 with the slow service within 20 % of without (ratio ≤ 1.20).
// Usage: bun bench/slowService.ts [phase seconds = 5] [rounds = 3] [clients per other service = 4]
//          [slow clients = 150] [latency ms = 1500] [bulkhead = gateway default]
import { describeSlowService, measureSlowService, p99Ratio } from "../test/support/slowService.ts";
import { Stack } from "../test/support/stack.ts";

const [phaseSeconds = 5, rounds = 3, otherClients = 4, slowClients = 150, latencyMs = 1500, bulkhead] =
  process.argv.slice(2).map(Number);

await using stack = await Stack.start({
  services: ["users", "payments", "notifications", "search"],
  env: {
    SANDBOX_LATENCY_MS: String(latencyMs),
    ...(bulkhead ? { BULKHEAD_MAX_INFLIGHT: String(bulkhead) } : {}),
  },
});
console.log(
  `slow service: payments +${latencyMs} ms, ${slowClients} clients charging it; ${otherClients} clients per other service; ${rounds} × (${phaseSeconds} s without, ${phaseSeconds} s with); bulkhead ${bulkhead ?? "default (100)"}`,
);
const result = await measureSlowService(stack, {
  otherClients,
  slowClients,
  phaseMs: phaseSeconds * 1000,
  rounds,
});
for (const line of describeSlowService(result)) console.log(line);
const ratio = p99Ratio(result);
console.log(
  `p99 with / without the slow service: ${ratio.toFixed(2)} (target ≤ 1.20: ${ratio <= 1.2 ? "met" : "not met"})`,
);
