import { afterAll, describe, expect, test } from "bun:test";
import { paymentEvents } from "@portico/contracts";
import { ServiceError } from "@portico/kit";
import { createDatabase, outboxRow } from "@portico/kit/db";
import { eq, inArray } from "drizzle-orm";
import { serviceDatabaseUrl } from "../../../test/support/env.ts";
import { createChargeRecorder } from "../src/chargeRecorder.ts";
import { createIdempotency } from "../src/idempotency.ts";
import { checkLedger } from "../src/invariants.ts";
import * as schema from "../src/schema.ts";
import { newUser } from "./support.ts";

// The record step on the real database: charges finishing together share one statement.
const database = createDatabase(serviceDatabaseUrl("payments"), schema, { max: 4, appName: "payments-test" });
const db = database.db;
afterAll(() => database.close());
const far = () => Date.now() + 10_000;

/** A claimed key and the charge that would complete it. */
async function claimedCharge(keys: ReturnType<typeof createIdempotency>, status: "succeeded" | "failed") {
  const userId = newUser();
  const req = { userId, key: crypto.randomUUID(), operation: "charge" as const, params: { amount: 700 } };
  const claimed = await keys.claim(req, far());
  if (!("owner" in claimed)) throw new Error("the first attempt must own the key");
  const payment = {
    id: crypto.randomUUID(),
    userId,
    amount: 700,
    currency: "EUR" as const,
    status,
    failureCode: status === "failed" ? ("card_declined" as const) : null,
    amountRefunded: 0,
    description: status === "failed" ? null : "Tea",
    createdAt: new Date().toISOString(),
  };
  const facts = {
    paymentId: payment.id,
    userId,
    amount: 700,
    currency: "EUR",
    description: payment.description,
    occurredAt: payment.createdAt,
  } as const;
  const event =
    status === "succeeded"
      ? outboxRow(paymentEvents.succeeded, facts)
      : outboxRow(paymentEvents.failed, { ...facts, failureCode: "card_declined" });
  return {
    req,
    claim: claimed.owner,
    payment,
    event,
    processor: "sandbox",
    processorRef: `ch_${payment.id}`,
  };
}

describe("charge recorder", () => {
  test("charges finishing together are recorded together; one whose key was taken over fails alone, recording nothing", async () => {
    const since = new Date(Date.now() - 1000);
    const keys = createIdempotency(db, { leaseMs: 30_000, waitMs: 150 });
    const shortLease = createIdempotency(db, { leaseMs: 1, waitMs: 150 });
    const paid = await claimedCharge(keys, "succeeded");
    const declined = await claimedCharge(keys, "failed");
    const stale = await claimedCharge(shortLease, "succeeded");
    await Bun.sleep(20);
    // A retry resumes the abandoned key: the first attempt no longer owns it.
    expect("owner" in (await shortLease.claim(stale.req, far()))).toBe(true);

    const recorder = createChargeRecorder(db);
    const outcomes = await Promise.allSettled([paid, declined, stale].map((c) => recorder.record(c)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const refused = outcomes[2]?.status === "rejected" ? outcomes[2].reason : undefined;
    expect(refused instanceof ServiceError && refused.code).toBe("CONFLICT");

    const ids = [paid, declined, stale].map((c) => c.payment.id);
    const rows = await db.select().from(schema.payments).where(inArray(schema.payments.id, ids));
    expect(
      rows.map((r) => [r.id, r.status, r.failureCode, r.idempotencyKeyId, r.description]).sort(),
    ).toEqual(
      [
        [paid.payment.id, "succeeded", null, paid.claim.keyId, "Tea"],
        [declined.payment.id, "failed", "card_declined", declined.claim.keyId, null],
      ].sort(),
    );
    expect(rows.find((r) => r.id === paid.payment.id)?.createdAt.toISOString()).toBe(paid.payment.createdAt);
    const lines = await db
      .select()
      .from(schema.ledgerEntries)
      .where(inArray(schema.ledgerEntries.paymentId, ids));
    expect(lines.map((l) => [l.paymentId, l.account, l.amount]).sort()).toEqual(
      [
        [paid.payment.id, "customer_funding", -700],
        [paid.payment.id, "platform_revenue", 700],
      ].sort(),
    );
    const events = await db
      .select({ id: schema.outbox.id })
      .from(schema.outbox)
      .where(
        inArray(
          schema.outbox.id,
          [paid, declined, stale].map((c) => c.event.id),
        ),
      );
    expect(events.map((e) => e.id).sort()).toEqual([paid.event.id, declined.event.id].sort());
    const [key] = await db
      .select({ state: schema.idempotencyKeys.state, response: schema.idempotencyKeys.response })
      .from(schema.idempotencyKeys)
      .where(eq(schema.idempotencyKeys.id, paid.claim.keyId));
    expect(key).toEqual({ state: "completed", response: paid.payment });
    expect(await keys.claim(paid.req, far())).toEqual({ replay: paid.payment });
    expect(await checkLedger(db, { since })).toEqual([]);
  });
});
