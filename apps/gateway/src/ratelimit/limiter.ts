import type { Logger } from "@portico/kit";
import type { Rate } from "../env.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Decision } from "./bucket.ts";
import { kvKey } from "./kvStore.ts";
import { type BucketStore, createLocalStore } from "./localStore.ts";

/** Limit groups: stricter per-IP limits for credential endpoints, per-IP for other public calls, per-user for the rest. */
export type LimitGroup = "auth" | "public" | "user";

export interface LimiterOptions {
  rates: Record<LimitGroup, Rate>;
  shared: BucketStore;
  timeoutMs: number;
  retryMs: number;
  log: Logger;
  metrics?: Metrics;
}

/** Decides whether a client may make one more call in a group. */
export interface RateLimiter {
  check(group: LimitGroup, clientId: string): Promise<Decision>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A limiter on the shared store that fails open: when the store errs or is slower than
 * `timeoutMs`, this instance decides with its own local buckets for `retryMs`, counting each
 * such decision in `gateway_rate_limit_fallback_total`.
 */
export function createRateLimiter(opts: LimiterOptions): RateLimiter {
  const local = createLocalStore();
  let storeDownUntil = 0;
  return {
    async check(group, clientId) {
      const key = kvKey(group, clientId);
      const rate = opts.rates[group];
      const now = Date.now();
      if (now >= storeDownUntil) {
        try {
          return await withTimeout(opts.shared.take(key, rate, now), opts.timeoutMs);
        } catch (error) {
          storeDownUntil = Date.now() + opts.retryMs;
          opts.log.warn("rate-limit store unavailable; using the local limiter", { error });
        }
      }
      opts.metrics?.rateLimitFallback.inc();
      return local.take(key, rate, Date.now());
    },
  };
}

/** The `RateLimit-*` (and, when refused, `Retry-After`) response headers of a decision. */
export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(Math.ceil(decision.resetMs / 1000)),
    "RateLimit-Policy": `${decision.limit};w=${Math.ceil(decision.windowMs / 1000)}`,
  };
  if (!decision.allowed)
    headers["Retry-After"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

/** The limit group of a procedure path. */
export function groupOf(path: string, access: "public" | "user"): LimitGroup {
  if (access === "user") return "user";
  return path === "users.signUp" || path === "users.signIn" || path === "users.refresh" ? "auth" : "public";
}
