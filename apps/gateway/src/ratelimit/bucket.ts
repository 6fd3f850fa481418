import type { Rate } from "../env.ts";

/** A token bucket's stored state: tokens left at time `at` (epoch ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/** The outcome of taking one token. */
export interface Decision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Until the bucket is full again. */
  resetMs: number;
  /** Until the next token (0 when allowed). */
  retryAfterMs: number;
  windowMs: number;
  /** Tokens taken: 1 for a plain request, up to `want` for a lease, 0 when refused. */
  granted: number;
}

/**
 * Takes one token (or up to `want`, at least one, for a lease) from a bucket of `rate.limit`
 * tokens refilled evenly over `rate.windowMs` (so bursts up to the limit, then a smooth rate; no
 * doubled burst at a window edge). Returns the decision and the state to store (null when nothing changes).
 */
export function take(
  rate: Rate,
  prev: BucketState | null,
  now: number,
  want = 1,
): { decision: Decision; next: BucketState | null } {
  const perMs = rate.limit / rate.windowMs;
  const elapsed = prev ? Math.max(0, now - prev.at) : 0;
  const tokens = prev ? Math.min(rate.limit, prev.tokens + elapsed * perMs) : rate.limit;
  const allowed = tokens >= 1;
  const granted = allowed ? Math.max(1, Math.min(want, Math.floor(tokens))) : 0;
  const left = tokens - granted;
  const decision: Decision = {
    allowed,
    limit: rate.limit,
    remaining: Math.floor(left),
    resetMs: Math.ceil((rate.limit - left) / perMs),
    retryAfterMs: allowed ? 0 : Math.ceil((1 - left) / perMs),
    windowMs: rate.windowMs,
    granted,
  };
  return { decision, next: allowed ? { tokens: left, at: now } : null };
}
