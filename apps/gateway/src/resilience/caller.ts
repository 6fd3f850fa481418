import { ErrorCode, type ProcedureContract } from "@portico/contracts";
import { type Caller, type RequestContext, ServiceError } from "@portico/kit";
import type { z } from "zod";
import type { CallStats } from "../observability/callStats.ts";
import type { Metrics } from "../observability/metrics.ts";
import { type Breaker, type BreakerState, createBreaker } from "./breaker.ts";
import { type Bulkhead, createBulkhead } from "./bulkhead.ts";
import { backoffMs } from "./retry.ts";

export interface ResilienceOptions {
  breakerThreshold: number;
  breakerWindowMs: number;
  breakerOpenMs: number;
  maxInFlight: number;
  retryMaxAttempts: number;
  retryBaseMs: number;
  metrics?: Metrics;
  stats?: CallStats;
}

/** A Caller with per-service breakers and bulkheads, and retries of queries; `breakerState` is for health views. */
export interface ResilientCaller extends Caller {
  breakerState(service: string): BreakerState;
}

const breakerGauge: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** Failures that say something about the service's health (not about the request). */
function isOutage(error: unknown): boolean {
  return !(error instanceof ServiceError) || error.code === ErrorCode.SERVICE_UNAVAILABLE;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SERVICE_UNAVAILABLE answered without calling the service (open breaker, full bulkhead), with the
 * wait the client is told (`Retry-After`), so well-behaved clients do not hammer a struggling service.
 */
export class Refusal extends ServiceError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message);
  }
}

/** The wait after a full bulkhead: a slot frees as soon as any call to the service ends. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * Wraps a Caller so that a dead or overloaded service fails fast with SERVICE_UNAVAILABLE (open
 * breaker, full bulkhead) and failed queries are retried with jittered backoff while the deadline
 * allows. Mutations are never repeated.
 */
export function createResilientCaller(inner: Caller, opts: ResilienceOptions): ResilientCaller {
  const guards = new Map<string, { breaker: Breaker; bulkhead: Bulkhead }>();
  const guardOf = (service: string) => {
    let guard = guards.get(service);
    if (!guard) {
      opts.metrics?.breakerState.set({ service }, 0);
      guard = {
        breaker: createBreaker({
          threshold: opts.breakerThreshold,
          windowMs: opts.breakerWindowMs,
          openMs: opts.breakerOpenMs,
          onChange: (state) => opts.metrics?.breakerState.set({ service }, breakerGauge[state]),
        }),
        bulkhead: createBulkhead(opts.maxInFlight),
      };
      guards.set(service, guard);
    }
    return guard;
  };

  async function attempt<P extends ProcedureContract>(
    proc: P,
    input: z.input<P["input"]>,
    ctx: RequestContext,
  ): Promise<z.output<P["output"]>> {
    const service = proc.service;
    const { breaker, bulkhead } = guardOf(service);
    if (!breaker.tryAcquire()) {
      opts.metrics?.breakerRejections.inc({ service });
      throw new Refusal(
        `The ${service} service is unavailable (circuit open)`,
        Math.max(1, Math.ceil(breaker.retryInMs() / 1000)),
      );
    }
    if (!bulkhead.tryEnter()) {
      // The breaker admitted a half-open probe that will not run: let the next call probe instead.
      if (breaker.state === "half-open") breaker.failure();
      opts.metrics?.bulkheadRejections.inc({ service });
      throw new Refusal(`The ${service} service is busy`, BUSY_RETRY_AFTER_SECONDS);
    }
    const started = performance.now();
    let outcome = "ok";
    try {
      const result = await inner.call(proc, input, ctx);
      breaker.success();
      return result;
    } catch (error) {
      outcome = isOutage(error) ? "unavailable" : "error";
      if (outcome === "unavailable") breaker.failure();
      else breaker.success();
      throw error;
    } finally {
      bulkhead.leave();
      const ms = performance.now() - started;
      opts.metrics?.serviceCallDuration.observe({ service, outcome }, ms / 1000);
      opts.stats?.record(service, ms, outcome !== "unavailable");
    }
  }

  return {
    breakerState: (service) => guardOf(service).breaker.state,
    async call(proc, input, ctx) {
      for (let tries = 0; ; tries += 1) {
        try {
          return await attempt(proc, input, ctx);
        } catch (error) {
          const retryable = proc.kind === "query" && tries < opts.retryMaxAttempts && isOutage(error);
          const wait = backoffMs(opts.retryBaseMs, tries);
          // Only retry when the backoff leaves the next attempt some of the budget.
          if (!retryable || guardOf(proc.service).breaker.state === "open") throw error;
          if (Date.now() + wait >= ctx.deadline - opts.retryBaseMs) throw error;
          opts.metrics?.retries.inc({ service: proc.service });
          await sleep(wait);
        }
      }
    },
  };
}
