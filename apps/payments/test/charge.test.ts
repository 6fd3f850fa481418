import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { payments } from "@portico/contracts";
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
});
