// Scenario 6 of the chaos suite as a benchmark: the p99 of users, notifications and search through
// the gateway while payments is idle, while it is slow (its processor takes `latency` ms) and
// flooded, and while it is healthy (restarted without processor latency: the control) and answers
// as many charges a second as the slow phase did; phases rotate. Target: the p99 with the slow
// service within 20 % (ratio ≤ 1.20) of the control's: on cores that every process shares, each
// answered charge's work moves the p99, so the control separates what the slowness adds (held calls,
// refusals) from what serving the charges costs. The ratio to payments idle is printed too.
// The slow clients start spread over the latency, and after a refusal wait what Retry-After says;
// --flood makes them retry 100 ms after a refusal instead, whatever they were told.
// The other services get a steady 100 calls/s each (from 4 clients), timed from when each was due.
// Many short phases average out the machine's own hiccups: with no slow load at all (slow clients =
// 0, --no-control: an A/A run, the noise floor) 3 × 5 s gave ratios of 0.91–2.25, 10 × 3 s 1.01–1.17.
// Usage: bun bench/slowService.ts [phase seconds = 3] [rounds = 10] [calls/s per other service = 100]
//          [slow clients = 150] [latency ms = 1500] [bulkhead = gateway default] [--flood] [--no-control]
import { describeSlowService, measureSlowService, p99Ratio } from "../test/support/slowService.ts";
import { Stack } from "../test/support/stack.ts";

const args = process.argv.slice(2);
const flood = args.includes("--flood");
const control = !args.includes("--no-control");
const [phaseSeconds = 3, rounds = 10, otherRate = 100, slowClients = 150, latencyMs = 1500, bulkhead] = args
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
  `slow service: payments +${latencyMs} ms, ${slowClients} clients charging it (${flood ? "a flood: retrying 100 ms after a refusal" : "honouring Retry-After"}); ${otherRate} calls/s to each other service; ${rounds} × (${phaseSeconds} s idle, ${phaseSeconds} s slow${control ? `, ${phaseSeconds} s healthy at the slow phase's answered rate` : ""}); bulkhead ${bulkhead ?? "default (100)"}`,
);
const result = await measureSlowService(stack, {
  otherClients: 4,
  otherRate,
  slowClients,
  phaseMs: phaseSeconds * 1000,
  rounds,
  honourRetryAfter: !flood,
  spreadMs: latencyMs,
  healthyControl: control,
});
for (const line of describeSlowService(result)) console.log(line);
const verdict = (ratio: number) => `${ratio.toFixed(2)} (target ≤ 1.20: ${ratio <= 1.2 ? "met" : "not met"})`;
if (control)
  console.log(
    `p99 with the slow service / with it healthy, as many charges answered: ${verdict(p99Ratio(result, "healthy"))}`,
  );
console.log(`p99 with the slow service / with payments idle: ${p99Ratio(result).toFixed(2)}`);
