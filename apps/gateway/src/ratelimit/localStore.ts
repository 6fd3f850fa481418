import type { Rate } from "../env.ts";
import { type BucketState, type Decision, take } from "./bucket.ts";

/** Where buckets live; the shared store and this instance's local fallback both fit. */
export interface BucketStore {
  /** Takes one token, or up to `want` (at least one) when leasing a batch. */
  take(key: string, rate: Rate, now: number, want?: number): Promise<Decision>;
}

/** Buckets in this process's memory: the fallback when the shared store is unreachable. */
export function createLocalStore(maxKeys = 100_000): BucketStore {
  const buckets = new Map<string, BucketState>();
  return {
    async take(key, rate, now, want = 1) {
      const { decision, next } = take(rate, buckets.get(key) ?? null, now, want);
      if (next) {
        if (buckets.size >= maxKeys && !buckets.has(key)) {
          // Forget the oldest bucket; a forgotten bucket starts full, which only errs towards allowing.
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        buckets.delete(key);
        buckets.set(key, next);
      }
      return decision;
    },
  };
}
