import { describe, expect, test } from "bun:test";
import { createLeasedStore } from "../src/ratelimit/leasedStore.ts";
import { type BucketStore, createLocalStore } from "../src/ratelimit/localStore.ts";

/** The shared bucket store (one process's memory standing in for the KV bucket), counting round trips. */
function countingShared() {
  const inner = createLocalStore();
  const counter = { calls: 0 };
  const store: BucketStore = {
    take: (key, rate, now, want) => {
      counter.calls++;
      return inner.take(key, rate, now, want);
    },
  };
  return { store, counter };
}

describe("leased rate-limit tokens", () => {
  const rate = { limit: 600, windowMs: 60_000 };

  test("two gateways leasing from one bucket together admit no more than the limit", async () => {
    const { store, counter } = countingShared();
    const a = createLeasedStore(store, { fraction: 0.05, leaseMs: 60_000 });
    const b = createLeasedStore(store, { fraction: 0.05, leaseMs: 60_000 });
    const now = Date.now();
    const decisions = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : b).take("user.u1", rate, now)),
    );
    const admitted = decisions.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(600);
    expect(admitted).toBeGreaterThan(540); // at most one unspent lease per gateway is lost
    expect(counter.calls).toBeLessThan(200); // batches of 30, not one round trip per request
    const refused = decisions.find((d) => !d.allowed);
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
  });

  test("limits too small for a batch stay exact, one round trip per request", async () => {
    const { store, counter } = countingShared();
    const leased = createLeasedStore(store, { fraction: 0.05, leaseMs: 60_000 });
    const strict = { limit: 10, windowMs: 60_000 };
    const decisions = await Promise.all(
      Array.from({ length: 15 }, () => leased.take("auth.ip", strict, Date.now())),
    );
    expect(decisions.filter((d) => d.allowed).length).toBe(10);
    expect(counter.calls).toBe(15);
  });

  test("unspent leased tokens expire", async () => {
    const { store } = countingShared();
    const leased = createLeasedStore(store, { fraction: 0.5, leaseMs: 50 });
    const small = { limit: 4, windowMs: 600_000 };
    expect((await leased.take("k", small, Date.now())).allowed).toBe(true); // leases 2, spends 1
    await Bun.sleep(80);
    // The leftover token expired unspent; the shared bucket has the other 2.
    const rest = await Promise.all([1, 2, 3].map(() => leased.take("k", small, Date.now())));
    expect(rest.filter((d) => d.allowed).length).toBe(2);
  });
});
