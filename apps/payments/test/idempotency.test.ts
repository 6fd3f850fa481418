import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ServiceError } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { eq, sql } from "drizzle-orm";
import { serviceDatabaseUrl } from "../../../test/support/env.ts";
import { createIdempotency, deleteExpiredKeys, type KeyRequest } from "../src/idempotency.ts";
import * as schema from "../src/schema.ts";
import { newUser } from "./support.ts";

// The key mechanics on the real database, without a processor in between.
const database = createDatabase(serviceDatabaseUrl("payments"), schema, { max: 4, appName: "payments-test" });
const db = database.db;
afterAll(() => database.close());

const request = (userId = newUser()): KeyRequest => ({
  userId,
  key: crypto.randomUUID(),
  operation: "charge",
  params: { amount: 100, currency: "USD" },
});
const far = () => Date.now() + 10_000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof ServiceError) return e.code;
    throw e;
  }
}

let keys: ReturnType<typeof createIdempotency>;
beforeAll(() => {
  keys = createIdempotency(db, { leaseMs: 30_000, waitMs: 150 });
});

describe("idempotency keys", () => {
  test("a duplicate of an in-flight request waits, then gets a retryable CONFLICT; after completion, the answer", async () => {
    const req = request();
    const first = await keys.claim(req, far());
    if (!("owner" in first)) throw new Error("first attempt must own the key");
    expect(await codeOf(keys.claim(req, far()))).toBe("CONFLICT");
    await db.transaction((tx) => keys.complete(tx, first.owner, { answer: 42 }));
    expect(await keys.claim(req, far())).toEqual({ replay: { answer: 42 } });
  });

  test("a waiting duplicate picks up the answer as soon as the original completes", async () => {
    const req = request();
    const first = await keys.claim(req, far());
    if (!("owner" in first)) throw new Error("first attempt must own the key");
    const slow = createIdempotency(db, { leaseMs: 30_000, waitMs: 5_000 });
    const waiting = slow.claim(req, far());
    await Bun.sleep(50);
    await db.transaction((tx) => keys.complete(tx, first.owner, "done"));
    expect(await waiting).toEqual({ replay: "done" });
  });

  test("other parameters under the same key are a CONFLICT, in flight or completed", async () => {
    const req = request();
    await keys.claim(req, far());
    expect(await codeOf(keys.claim({ ...req, params: { amount: 101, currency: "USD" } }, far()))).toBe(
      "CONFLICT",
    );
    expect(await codeOf(keys.claim({ ...req, operation: "refund" }, far()))).toBe("CONFLICT");
  });

  test("an abandoned key is resumed after its lease with the same key id; the old owner can no longer complete", async () => {
    const shortLease = createIdempotency(db, { leaseMs: 1, waitMs: 150 });
    const req = request();
    const first = await shortLease.claim(req, far());
    if (!("owner" in first)) throw new Error("first attempt must own the key");
    await Bun.sleep(20);
    const second = await shortLease.claim(req, far());
    if (!("owner" in second)) throw new Error("the retry must resume the key");
    expect(second.owner.keyId).toBe(first.owner.keyId);
    expect(await codeOf(db.transaction((tx) => shortLease.complete(tx, first.owner, "stale")))).toBe(
      "CONFLICT",
    );
    await db.transaction((tx) => shortLease.complete(tx, second.owner, "fresh"));
    expect(await keys.claim(req, far())).toEqual({ replay: "fresh" });
  });

  test("a claim stores what is asked, and one Postgres cannot store fails before anything is claimed", async () => {
    const req = request();
    const claimed = await keys.claim({ ...req, params: { description: "gift 🎁" } }, far());
    if (!("owner" in claimed)) throw new Error("must own the key");
    const [row] = await db
      .select({ request: schema.idempotencyKeys.request })
      .from(schema.idempotencyKeys)
      .where(eq(schema.idempotencyKeys.id, claimed.owner.keyId));
    expect(row?.request).toEqual({ description: "gift 🎁" });

    const unstorable = request();
    const refused = keys.claim({ ...unstorable, params: { description: "gift \ud83d" } }, far());
    expect(refused).rejects.toThrow();
    await refused.catch(() => undefined);
    const left = await db
      .select()
      .from(schema.idempotencyKeys)
      .where(eq(schema.idempotencyKeys.key, unstorable.key));
    expect(left).toEqual([]);
  });

  test("a released key can be claimed again", async () => {
    const req = request();
    const first = await keys.claim(req, far());
    if (!("owner" in first)) throw new Error("first attempt must own the key");
    await keys.release(first.owner);
    expect("owner" in (await keys.claim(req, far()))).toBe(true);
  });

  test("cleanup deletes completed keys older than the retention; younger and in-flight keys stay", async () => {
    const userId = newUser();
    const make = (hoursAgo: number, state: "completed" | "in_flight" = "completed") =>
      db.insert(schema.idempotencyKeys).values({
        userId,
        key: `k${hoursAgo}-${state}`,
        operation: "charge",
        fingerprint: "x",
        state,
        response: state === "completed" ? {} : null,
        lockToken: crypto.randomUUID(),
        lockedUntil: sql`now()`,
        createdAt: sql`now() - ${`${hoursAgo} hours`}::interval`,
      });
    await make(25);
    await make(23);
    await make(48, "in_flight");
    expect(await deleteExpiredKeys(db, 24)).toBeGreaterThanOrEqual(1);
    const left = await db
      .select({ key: schema.idempotencyKeys.key })
      .from(schema.idempotencyKeys)
      .where(eq(schema.idempotencyKeys.userId, userId));
    expect(left.map((row) => row.key).sort()).toEqual(["k23-completed", "k48-in_flight"]);
    await db.delete(schema.idempotencyKeys).where(eq(schema.idempotencyKeys.userId, userId));
  });
});
