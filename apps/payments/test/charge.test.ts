import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Payment, payments } from "@portico/contracts";
import { count, inArray, sql } from "drizzle-orm";
import * as schema from "../src/schema.ts";
import { newUser, outcome, PaymentsFixture } from "./support.ts";

const { charge } = payments.procedures;
let fx: PaymentsFixture;

beforeAll(async () => {
  fx = await PaymentsFixture.start({ instances: 2 });
});
afterAll(async () => {
  await fx?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  expect(await fx.violations()).toEqual([]);
});

const key = () => crypto.randomUUID();

describe("payments.charge", () => {
  test("a good card succeeds: balanced ledger lines and one payment.succeeded event", async () => {
    const user = newUser();
    const p = await fx.as(user)(charge, {
      amount: 1999,
      currency: "EUR",
      source: "tok_mastercard",
      description: " Coffee beans ",
      idempotencyKey: key(),
    });
    expect(p).toMatchObject({
      userId: user,
      amount: 1999,
      currency: "EUR",
      status: "succeeded",
      failureCode: null,
      amountRefunded: 0,
      description: "Coffee beans",
    });
    const lines = await fx.ledgerOf(p.id);
    expect(lines.map((l) => [l.account, l.amount]).sort()).toEqual([
      ["customer_funding", -1999],
      ["platform_revenue", 1999],
    ]);
    expect(await fx.eventsOf(p.id)).toEqual(["payment.succeeded"]);
  });

  test("declined cards are stored failed payments, not errors, and move no money", async () => {
    const user = newUser();
    const declined = await fx.as(user)(charge, {
      amount: 500,
      currency: "USD",
      source: "tok_chargeDeclined",
      idempotencyKey: key(),
    });
    const broke = await fx.as(user)(charge, {
      amount: 500,
      currency: "JPY",
      source: "tok_insufficientFunds",
      idempotencyKey: key(),
    });
    expect(declined).toMatchObject({ status: "failed", failureCode: "card_declined", description: null });
    expect(broke).toMatchObject({ status: "failed", failureCode: "insufficient_funds", currency: "JPY" });
    expect(await fx.ledgerOf(declined.id)).toEqual([]);
    expect(await fx.eventsOf(declined.id)).toEqual(["payment.failed"]);
    expect(await fx.paymentCount(user)).toBe(2);
  });

  test("invalid amounts, currencies and sources are BAD_REQUEST naming the field, and store nothing", async () => {
    const user = newUser();
    const call = fx.as(user);
    const base = { amount: 100, currency: "USD" as const, source: "tok_visa", idempotencyKey: key() };
    for (const amount of [0, -5, 1.5, 100_000_000]) {
      expect(await outcome(call(charge, { ...base, amount }))).toEqual({
        code: "BAD_REQUEST",
        fields: ["amount"],
      });
    }
    const currency = { ...base, currency: "XYZ" } as unknown as typeof base;
    expect(await outcome(call(charge, currency))).toEqual({ code: "BAD_REQUEST", fields: ["currency"] });
    expect(await outcome(call(charge, { ...base, source: "tok_stolen" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["source"],
    });
    expect(await outcome(call(charge, { ...base, idempotencyKey: "" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["idempotencyKey"],
    });
    expect(await fx.paymentCount(user)).toBe(0);
    // The rejected source moved nothing, so the key is free for the corrected request.
    expect((await call(charge, base)).status).toBe("succeeded");
  });

  test("same key + same parameters → the original payment; other parameters → CONFLICT", async () => {
    const user = newUser();
    const call = fx.as(user);
    const input = { amount: 4200, currency: "GBP" as const, source: "tok_visa", idempotencyKey: key() };
    const first = await call(charge, input);
    const again = await call(charge, input);
    expect(again).toEqual(first);
    expect(await outcome(call(charge, { ...input, amount: 4201 }))).toMatchObject({ code: "CONFLICT" });
    expect(await outcome(call(charge, { ...input, source: "tok_mastercard" }))).toMatchObject({
      code: "CONFLICT",
    });
    expect(await outcome(call(charge, { ...input, description: "other" }))).toMatchObject({
      code: "CONFLICT",
    });
    // Keys are scoped per user: another user's identical key is a separate charge.
    const other = await fx.as(newUser())(charge, input);
    expect(other.id).not.toBe(first.id);
    expect(await fx.paymentCount(user)).toBe(1);
    expect(await fx.ledgerOf(first.id)).toHaveLength(2);
  });

  test("a declined charge is replayed as the same failed payment", async () => {
    const call = fx.as(newUser());
    const input = {
      amount: 700,
      currency: "USD" as const,
      source: "tok_chargeDeclined",
      idempotencyKey: key(),
    };
    expect(await call(charge, input)).toEqual(await call(charge, input));
  });

  test("200 concurrent duplicates across two instances → one payment, one set of ledger lines, one event", async () => {
    const user = newUser();
    const call = fx.as(user);
    const input = { amount: 12_345, currency: "USD" as const, source: "tok_visa", idempotencyKey: key() };
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => call(charge, input)));
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((p) => p.id)).size).toBe(1);
    // The only acceptable failure is the retryable "still in progress" CONFLICT.
    for (const e of failed) expect(await outcome(Promise.reject(e))).toMatchObject({ code: "CONFLICT" });
    const [payment] = ok;
    if (!payment) throw new Error("no payment");
    expect(await fx.paymentCount(user)).toBe(1);
    expect(await fx.ledgerOf(payment.id)).toHaveLength(2);
    expect(await fx.eventsOf(payment.id)).toEqual(["payment.succeeded"]);
    // Both instances served some of them.
    const served = await fx.servedPerInstance("charge");
    expect(served).toHaveLength(2);
    expect(served.every((n) => n > 0)).toBe(true);
  });

  test("300 concurrent charges with their own keys (recorded in shared transactions) → 300 payments, each with its lines and event", async () => {
    const user = newUser();
    const call = fx.as(user);
    // Every third card is declined, so batches mix succeeded and failed payments.
    const sources = ["tok_visa", "tok_mastercard", "tok_chargeDeclined"];
    const inputs = Array.from({ length: 300 }, (_, i) => ({
      amount: 100 + i,
      currency: "USD" as const,
      source: sources[i % 3] ?? "tok_visa",
      idempotencyKey: key(),
    }));
    const made = await Promise.all(inputs.map((input) => call(charge, input)));
    expect(new Set(made.map((p) => p.id)).size).toBe(300);
    made.forEach((p, i) => {
      expect(p.amount).toBe(100 + i);
      expect(p.status).toBe(i % 3 === 2 ? "failed" : "succeeded");
    });
    expect(await fx.paymentCount(user)).toBe(300);
    const ids = made.map((p) => p.id);
    const lines = await fx.db
      .select({ paymentId: schema.ledgerEntries.paymentId, n: count() })
      .from(schema.ledgerEntries)
      .where(inArray(schema.ledgerEntries.paymentId, ids))
      .groupBy(schema.ledgerEntries.paymentId);
    const events = await fx.db
      .select({
        paymentId: sql<string>`${schema.outbox.payload}->>'paymentId'`,
        subject: schema.outbox.subject,
      })
      .from(schema.outbox)
      .where(inArray(sql`${schema.outbox.payload}->>'paymentId'`, ids));
    const linesOf = new Map(lines.map((l) => [l.paymentId, l.n]));
    for (const p of made) {
      expect(linesOf.get(p.id) ?? 0).toBe(p.status === "succeeded" ? 2 : 0);
      expect(events.filter((e) => e.paymentId === p.id).map((e) => e.subject)).toEqual([
        p.status === "succeeded" ? "payment.succeeded" : "payment.failed",
      ]);
    }
    // A replay under the same key is the same payment.
    for (const i of [0, 150, 299])
      expect(await call(charge, inputs[i] as (typeof inputs)[number])).toEqual(made[i] as Payment);
  });
});
