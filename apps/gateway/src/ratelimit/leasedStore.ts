import type { Rate } from "../env.ts";
import type { Decision } from "./bucket.ts";
import type { BucketStore } from "./localStore.ts";

interface Lease {
  tokens: number;
  expiresAt: number;
  /** The shared bucket's decision when the lease was taken (for the RateLimit-* headers). */
  basis: Decision;
}

export interface LeaseOptions {
  /** Share of a limit one lease may take: 0.05 of 600/min leases 30 tokens at a time. */
  fraction: number;
  /** Unspent leased tokens are dropped after this long (never handed back: they only err towards refusing). */
  leaseMs: number;
}

/**
 * Takes tokens from the shared store in small batches and spends them locally, so a busy client
 * costs one shared-store round trip per batch instead of per request. The shared bucket still
 * gives out each token once, so all gateway instances together never admit more than the limit;
 * strict limits (a lease of one token) stay exact.
 */
export function createLeasedStore(shared: BucketStore, opts: LeaseOptions, maxKeys = 100_000): BucketStore {
  const leases = new Map<string, Lease>();
  const pending = new Map<string, Promise<Decision>>();

  const spend = (lease: Lease): Decision => {
    lease.tokens -= 1;
    const remaining = lease.basis.remaining + Math.floor(lease.tokens);
    return { ...lease.basis, allowed: true, granted: 1, retryAfterMs: 0, remaining };
  };

  /** One shared-store round trip per key at a time; everyone waiting shares its outcome. */
  const acquire = (key: string, rate: Rate, want: number): Promise<Decision> => {
    let p = pending.get(key);
    if (!p) {
      p = shared
        .take(key, rate, Date.now(), want)
        .then((decision) => {
          if (decision.allowed) {
            if (leases.size >= maxKeys) {
              const oldest = leases.keys().next().value;
              if (oldest !== undefined) leases.delete(oldest);
            }
            leases.set(key, {
              tokens: decision.granted,
              expiresAt: Date.now() + opts.leaseMs,
              basis: decision,
            });
          }
          return decision;
        })
        .finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  };

  return {
    async take(key, rate, now) {
      const batch = Math.max(1, Math.floor(rate.limit * opts.fraction));
      if (batch === 1) return shared.take(key, rate, now);
      // Each acquisition grants at least one token or is refused, so this loop ends.
      for (;;) {
        const lease = leases.get(key);
        if (lease && lease.tokens >= 1 && lease.expiresAt > Date.now()) return spend(lease);
        if (lease) leases.delete(key);
        const decision = await acquire(key, rate, batch);
        if (!decision.allowed) return decision;
        // Whoever waited for this acquisition spends from it even if a stall outlasted the lease.
        const fresh = leases.get(key);
        if (fresh && fresh.tokens >= 1) return spend(fresh);
      }
    },
  };
}
