import { join } from "node:path";
import { TRPCClientError } from "@portico/client";
import { runCommand } from "./process.ts";
import type { SlowLoadPlan, SlowLoadResult } from "./slowLoad.ts";
import { type Stack, uniqueEmail } from "./stack.ts";

// Scenario 6 (slow service), shared by test/chaos/slowService.test.ts and bench/slowService.ts:
// calls to users, notifications and search are timed with and without a flood of calls to a slow
// payments service (start the stack with SANDBOX_LATENCY_MS), phases alternating; optionally also
// while a healthy payments service gets the same charges (the control: see `healthyControl`).

export interface SlowServiceOptions {
  /** Concurrent clients per other service. */
  otherClients: number;
  /**
   * Calls per second to each other service, spread over its clients: the same offered load in
   * both kinds of phase, below what saturates the machine, so the p99s compare like with like. (A
   * client calling back to back measures the cores' headroom instead, and calls less often when
   * the machine is busier.) Each call is timed from when it was due, so a stall is not hidden by
   * the calls it delayed.
   */
  otherRate: number;
  /** Concurrent clients charging the slow payments service during the slow phases. */
  slowClients: number;
  /** Length of each phase; phases run baseline, slow, baseline, slow… after a warm-up of one phase. */
  phaseMs: number;
  rounds: number;
  /**
   * After a refusal a slow client waits what the gateway's `Retry-After` says (read with
   * @portico/client's `retryAfterOf`), as a well-behaved client does; false: it retries after
   * 100 ms whatever it was told, a flood.
   */
  honourRetryAfter: boolean;
  /**
   * Slow clients start their first call spread evenly over this long when a slow phase begins, as
   * independent clients would, instead of all in the same millisecond (which sends the slow service
   * waves of calls that all finish, and hand their events on, at once).
   */
  spreadMs: number;
  /**
   * After each slow phase, restart payments healthy (no processor latency), send it as many charges
   * a second as the slow phase answered (open loop) and time the other services again; payments is
   * restarted slow before the next round. On shared cores the work of every answered charge (its
   * events, notifications, search documents) moves the other services' p99, slow or not: against
   * this phase, the slow phase shows what the slowness itself adds — held calls, refusals, waves.
   */
  healthyControl?: boolean;
}

/** Calls to the other services in one kind of phase. */
export interface OtherCalls {
  /** Milliseconds of each successful call, per procedure. */
  ms: Record<string, number[]>;
  /** Codes of failed calls. */
  failed: string[];
}

export interface SlowServiceResult {
  /** The other services with nothing calling payments. */
  baseline: OtherCalls;
  /** The other services while payments is slow and flooded. */
  withSlow: OtherCalls;
  /** The other services while a healthy payments service answers as many charges as the slow one did (`healthyControl`). */
  healthy?: OtherCalls;
  /** The control phases' charges: answered, anything else, and the rate they were sent at. */
  healthyCharges?: { ok: number; other: string[]; ratePerSecond: number[] };
  /** The calls to the slow service: answered, refused by the gateway's bulkhead ("busy"), or anything else. */
  slow: { okMs: number[]; refusedMs: number[]; other: string[] };
  /** The `Retry-After` seconds each refusal carried (null: none). */
  retryAfter: Array<number | null>;
  /** The gateway's own count of bulkhead refusals, per service (`/metrics`). */
  bulkheadRejections: Record<string, number>;
}

const emptyCalls = (): OtherCalls => ({ ms: {}, failed: [] });

/** The `q` quantile of some samples (nearest rank). */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

const codeOf = (error: unknown) =>
  error instanceof TRPCClientError
    ? String((error.data as { code?: string } | undefined)?.code)
    : String(error);

async function bulkheadRejections(stack: Stack): Promise<Record<string, number>> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^gateway_bulkhead_rejections_total\{service="([^"]+)"\} (\d+)/gm))
    if (m[1]) counts[m[1]] = Number(m[2]);
  return counts;
}

/** Runs the slow service's load in a process of its own (test/support/slowLoad.ts) until its plan ends. */
async function startSlowLoad(plan: SlowLoadPlan): Promise<SlowLoadResult> {
  const { code, stdout, stderr } = await runCommand([
    "bun",
    join(import.meta.dir, "slowLoad.ts"),
    JSON.stringify(plan),
  ]);
  const last = stdout.trim().split("\n").at(-1);
  if (code !== 0 || !last) throw new Error(`the slow load failed (exit ${code}):\n${stderr}${stdout}`);
  return JSON.parse(last) as SlowLoadResult;
}

/** Clients for the control's open-loop charges: enough that a slower answer does not delay the next. */
const CONTROL_CLIENTS = 32;
/** After a restart, before a phase is counted: the new payments process compiles its hot paths. */
const SETTLE_MS = 1000;

/**
 * The control phase: payments restarted without processor latency gets `ratePerSecond` charges
 * while the other services' calls are counted into `result.healthy`; then payments is restarted
 * with the stack's own (slow) settings again.
 */
async function healthyPhase(
  stack: Stack,
  result: SlowServiceResult,
  ratePerSecond: number,
  opts: { url: string; token: string; phaseMs: number; count: (calls: OtherCalls | undefined) => void },
): Promise<void> {
  await stack.stopService("payments");
  await stack.startService("payments", { SANDBOX_LATENCY_MS: "0" });
  const load = startSlowLoad({
    url: opts.url,
    token: opts.token,
    clients: CONTROL_CLIENTS,
    spreadMs: 0,
    durationMs: SETTLE_MS + opts.phaseMs,
    honourRetryAfter: true,
    ratePerSecond,
  });
  await Bun.sleep(SETTLE_MS);
  result.healthy ??= emptyCalls();
  opts.count(result.healthy);
  await Bun.sleep(opts.phaseMs);
  opts.count(undefined);
  const charges = await load;
  result.healthyCharges ??= { ok: 0, other: [], ratePerSecond: [] };
  result.healthyCharges.ok += charges.okMs.length;
  result.healthyCharges.other.push(...charges.other, ...charges.refusedMs.map(() => "busy"));
  result.healthyCharges.ratePerSecond.push(Math.round(ratePerSecond));
  await stack.stopService("payments");
  await stack.startService("payments");
  await Bun.sleep(SETTLE_MS);
}

/** Runs the phases against `stack` (users, payments, notifications and search) and collects every figure. */
export async function measureSlowService(stack: Stack, opts: SlowServiceOptions): Promise<SlowServiceResult> {
  const session = await stack
    .client()
    .users.signUp.mutate({ email: uniqueEmail("slow"), password: "password-for-tests", name: "Slow" });
  const token = () => session.accessToken;
  // The slow load charges as a user of its own: its payments, notifications and search documents
  // must not grow the data the timed calls read, or the phases would not compare like with like.
  const charger = await stack
    .client()
    .users.signUp.mutate({ email: uniqueEmail("charger"), password: "password-for-tests", name: "Charger" });
  // Timed calls go out from this process only; the slow load runs in another.
  const result: SlowServiceResult = {
    baseline: emptyCalls(),
    withSlow: emptyCalls(),
    slow: { okMs: [], refusedMs: [], other: [] },
    retryAfter: [],
    bulkheadRejections: {},
  };
  // How long the slow clients keep starting calls: until their phase has been counted.
  const slowLoadMs = opts.spreadMs + 200 + opts.phaseMs;
  // Where the other services' calls are counted now; undefined during the warm-up.
  let phase: OtherCalls | undefined;
  let running = true;

  // One client per loop: calls of one client in the same tick would be batched into one request.
  const others: Record<string, (api: ReturnType<Stack["client"]>) => Promise<unknown>> = {
    "users.me": (api) => api.users.me.query(),
    "notifications.unreadCount": (api) => api.notifications.unreadCount.query(),
    "search.query": (api) => api.search.query.query({ q: "slow" }),
  };
  const intervalMs = (1000 * opts.otherClients) / opts.otherRate;
  const otherLoops = Object.entries(others).flatMap(([name, call]) =>
    Array.from({ length: opts.otherClients }, async (_, client) => {
      const api = stack.client(token);
      let due = performance.now() + (client / opts.otherClients) * intervalMs;
      while (running) {
        const started = due;
        due += intervalMs;
        const wait = started - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        const code = await call(api).then(() => "ok", codeOf);
        const target = phase;
        if (!target) continue;
        if (code !== "ok") target.failed.push(`${name}: ${code}`);
        else {
          const samples = target.ms[name] ?? [];
          samples.push(performance.now() - started);
          target.ms[name] = samples;
        }
      }
    }),
  );
  await Bun.sleep(opts.phaseMs); // warm-up, not counted
  for (let round = 0; round < opts.rounds; round++) {
    phase = result.baseline;
    await Bun.sleep(opts.phaseMs);
    // Let every slow client start, and the slow calls pile up to the bulkhead, before the phase is counted.
    phase = undefined;
    const load = startSlowLoad({
      url: stack.url,
      token: charger.accessToken,
      clients: opts.slowClients,
      spreadMs: opts.spreadMs,
      durationMs: slowLoadMs,
      honourRetryAfter: opts.honourRetryAfter,
    });
    await Bun.sleep(opts.spreadMs + 200);
    phase = result.withSlow;
    await Bun.sleep(opts.phaseMs);
    phase = undefined;
    // The next phase starts once the slow calls still in flight have ended.
    const slow = await load;
    result.slow.okMs.push(...slow.okMs);
    result.slow.refusedMs.push(...slow.refusedMs);
    result.slow.other.push(...slow.other);
    result.retryAfter.push(...slow.retryAfter);
    if (opts.healthyControl) {
      const answered = slow.okMs.length / (slowLoadMs / 1000);
      await healthyPhase(stack, result, answered, {
        url: stack.url,
        token: charger.accessToken,
        phaseMs: opts.phaseMs,
        count: (calls) => {
          phase = calls;
        },
      });
    }
  }
  running = false;
  await Promise.all(otherLoops);
  result.bulkheadRejections = await bulkheadRejections(stack);
  return result;
}

const allMs = (calls: OtherCalls) => Object.values(calls.ms).flat();
const fmt = (ms: number) => ms.toFixed(1);

/**
 * Lines describing a result: p50/p99 of the other services with payments idle, healthy (when
 * measured) and slow, the ratios of the p99s, and the calls to payments.
 */
export function describeSlowService(r: SlowServiceResult): string[] {
  const groups: Array<[string, OtherCalls]> = [
    ["payments idle", r.baseline],
    ...(r.healthy ? [["payments healthy", r.healthy] as [string, OtherCalls]] : []),
    ["payments slow", r.withSlow],
  ];
  const cell = (a: number[]) =>
    `${String(a.length).padStart(6)} ${fmt(quantile(a, 0.5)).padStart(6)} ${fmt(quantile(a, 0.99)).padStart(6)}`;
  const ratio = (slow: number[], against: number[]) =>
    (quantile(slow, 0.99) / quantile(against, 0.99)).toFixed(2).padStart(9);
  const row = (name: string, pick: (c: OtherCalls) => number[]) => {
    const slow = pick(r.withSlow);
    const ratios = [ratio(slow, pick(r.baseline)), ...(r.healthy ? [ratio(slow, pick(r.healthy))] : [])];
    return `${name.padEnd(26)} ${groups.map(([, c]) => cell(pick(c))).join("   ")}   ${ratios.join(" ")}`;
  };
  const width = 6 + 1 + 6 + 1 + 6;
  const names = Object.keys(r.baseline.ms);
  const charges = r.healthyCharges;
  return [
    `${"p99 of the other services".padEnd(26)} ${groups.map(([label]) => label.padEnd(width)).join("   ")}   slow/idle${r.healthy ? " slow/healthy" : ""}`,
    `${"".padEnd(26)} ${groups.map(() => `${"calls".padStart(6)} ${"p50".padStart(6)} ${"p99".padStart(6)}`).join("   ")}   (ms; target: slow within 20 %)`,
    ...names.map((n) => row(n, (c) => c.ms[n] ?? [])),
    row("all", allMs),
    `failed calls to other services: ${groups.map(([label, c]) => `${c.failed.length} with ${label}`).join(", ")}`,
    `slow payments.charge: ${r.slow.okMs.length} answered (p50 ${fmt(quantile(r.slow.okMs, 0.5))} ms), ${r.slow.refusedMs.length} refused at once by the bulkhead (p50 ${fmt(quantile(r.slow.refusedMs, 0.5))}, p99 ${fmt(quantile(r.slow.refusedMs, 0.99))} ms, max ${fmt(Math.max(0, ...r.slow.refusedMs))} ms), ${r.slow.other.length} other; gateway bulkhead rejections ${JSON.stringify(r.bulkheadRejections)}`,
    ...(charges
      ? [
          `healthy payments.charge (at the slow phases' answered rate, ${charges.ratePerSecond.join(", ")} charges/s): ${charges.ok} answered, ${charges.other.length} other${charges.other.length ? ` (${[...new Set(charges.other)].join("; ")})` : ""}`,
        ]
      : []),
  ];
}

/** The p99 of every other service's call with the slow service over the p99 with payments idle (or healthy). */
export function p99Ratio(r: SlowServiceResult, against: "idle" | "healthy" = "idle"): number {
  const reference = against === "healthy" ? r.healthy : r.baseline;
  if (!reference) throw new Error("no healthy control was measured");
  return quantile(allMs(r.withSlow), 0.99) / quantile(allMs(reference), 0.99);
}
