// The slow service's load for scenario 6, run as a process of its own (test/support/slowService.ts
// starts it for each slow phase), so the process timing the other services does nothing else.
// Argument: the JSON of SlowLoadPlan. Prints the JSON of SlowLoadResult on its last line, then exits.
import { createPorticoClient, retryAfterOf, TRPCClientError } from "@portico/client";

export interface SlowLoadPlan {
  url: string;
  token: string;
  clients: number;
  /** Clients start spread evenly over this long (see SlowServiceOptions.spreadMs). */
  spreadMs: number;
  /** How long clients keep starting calls; the calls in flight then finish. */
  durationMs: number;
  honourRetryAfter: boolean;
  /**
   * Open loop instead: the clients together start this many charges a second, each when it is
   * due, whatever the answers (the slow phase's offered load, sent to a healthy service).
   */
  ratePerSecond?: number;
}

export interface SlowLoadResult {
  okMs: number[];
  refusedMs: number[];
  other: string[];
  retryAfter: Array<number | null>;
}

/** The gateway's answer when a service's bulkhead is full (apps/gateway/src/resilience/caller.ts). */
const busy = /^The \w+ service is busy$/;
const codeOf = (error: unknown) =>
  error instanceof TRPCClientError
    ? String((error.data as { code?: string } | undefined)?.code)
    : String(error);
const outcomeOf = (error: unknown) =>
  error instanceof TRPCClientError && codeOf(error) === "SERVICE_UNAVAILABLE" && busy.test(error.message)
    ? "busy"
    : codeOf(error) + (error instanceof Error ? ` "${error.message}"` : "");

/** Charges through the gateway from `plan.clients` clients until `plan.durationMs` has passed. */
export async function runSlowLoad(plan: SlowLoadPlan): Promise<SlowLoadResult> {
  const result: SlowLoadResult = { okMs: [], refusedMs: [], other: [], retryAfter: [] };
  const until = performance.now() + plan.durationMs;
  if (plan.ratePerSecond !== undefined && plan.ratePerSecond <= 0) return result;
  await Promise.all(
    Array.from({ length: plan.clients }, async (_, client) => {
      const api = createPorticoClient({ url: plan.url, getAccessToken: () => plan.token });
      const intervalMs = plan.ratePerSecond ? (1000 * plan.clients) / plan.ratePerSecond : 0;
      let due = performance.now() + (client / plan.clients) * (intervalMs || plan.spreadMs);
      while (due < until) {
        const wait = due - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        const started = performance.now();
        const input = {
          amount: 100,
          currency: "USD",
          source: "tok_visa",
          idempotencyKey: crypto.randomUUID(),
        } as const;
        let retryAfterSeconds: number | null = null;
        const code = await api.payments.charge.mutate(input).then(
          () => "ok",
          (error: unknown) => {
            retryAfterSeconds = retryAfterOf(error);
            return outcomeOf(error);
          },
        );
        const ms = performance.now() - started;
        let pause = 0;
        if (code === "ok") result.okMs.push(ms);
        else if (code === "busy") {
          result.refusedMs.push(ms);
          result.retryAfter.push(retryAfterSeconds);
          // A well-behaved client waits at least what it was told, plus jitter so that refused
          // clients do not all come back in the same millisecond.
          pause =
            plan.honourRetryAfter && retryAfterSeconds
              ? retryAfterSeconds * 1000 * (1 + Math.random() / 2)
              : 100;
        } else result.other.push(code);
        due = intervalMs ? due + intervalMs : performance.now() + pause;
      }
    }),
  );
  return result;
}

if (import.meta.main) {
  const plan = JSON.parse(process.argv[2] ?? "{}") as SlowLoadPlan;
  console.log(JSON.stringify(await runSlowLoad(plan)));
}
