import { afterAll, expect, test } from "bun:test";
import { createDatabase } from "@portico/kit/db";
import { eq, inArray } from "drizzle-orm";
import { serviceDatabaseUrl } from "../../../test/support/env.ts";
import { checkLedger } from "../src/invariants.ts";
import * as schema from "../src/schema.ts";

// The invariant check must see broken money, not only pass on healthy rows: write a payment whose
// ledger does not add up (as a bug or a hand edit might), check, and remove it again.
const database = createDatabase(serviceDatabaseUrl("payments"), schema, { max: 2, appName: "payments-test" });
afterAll(() => database.close());

test("the ledger check names the rules a tampered payment breaks, in the scoped and the full check", async () => {
  const { db } = database;
  const since = new Date(Date.now() - 1000);
  const paymentId = crypto.randomUUID();
  const transactionId = crypto.randomUUID();
  try {
    await db.insert(schema.payments).values({
      id: paymentId,
      userId: crypto.randomUUID(),
      idempotencyKeyId: crypto.randomUUID(),
      amount: 1000,
      currency: "USD",
      status: "succeeded",
      processor: "sandbox",
      processorRef: "tampered",
    });
    const line = { transactionId, kind: "charge", currency: "USD", paymentId } as const;
    await db.insert(schema.ledgerEntries).values([
      { ...line, account: "customer_funding", amount: -1000 },
      { ...line, account: "platform_revenue", amount: 900 },
    ]);

    for (const violations of [await checkLedger(db, { since }), await checkLedger(db)]) {
      const broken = violations.map((v) => v.rule);
      expect(broken).toContain("every ledger transaction sums to zero in one currency");
      expect(broken).toContain("platform revenue per payment equals amount minus refunds");
      expect(JSON.stringify(violations)).toContain(paymentId);
    }
    // Payments made before the scope began are outside it.
    expect(await checkLedger(db, { since: new Date(Date.now() + 60_000) })).toEqual([]);
  } finally {
    await db.delete(schema.ledgerEntries).where(eq(schema.ledgerEntries.transactionId, transactionId));
    await db.delete(schema.payments).where(inArray(schema.payments.id, [paymentId]));
  }
});
