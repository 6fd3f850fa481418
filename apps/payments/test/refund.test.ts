import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Payment, payments } from "@portico/contracts";
import { newUser, outcome, PaymentsFixture } from "./support.ts";

const { charge, refund, get } = payments.procedures;
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

async function paid(user: string, amount = 10_000, source = "tok_visa"): Promise<Payment> {
  return fx.as(user)(charge, { amount, currency: "USD", source, idempotencyKey: key() });
}

describe("payments.refund", () => {
  test("partial refunds, then the default amount refunds what is left; then nothing is left", async () => {
    const user = newUser();
    const call = fx.as(user);
    const p = await paid(user, 1000);
    const r1 = await call(refund, { paymentId: p.id, amount: 300, idempotencyKey: key() });
    expect(r1).toMatchObject({ paymentId: p.id, amount: 300 });
    expect((await call(get, { id: p.id })).amountRefunded).toBe(300);
    const rest = await call(refund, { paymentId: p.id, idempotencyKey: key() });
    expect(rest.amount).toBe(700);
    expect((await call(get, { id: p.id })).amountRefunded).toBe(1000);
    expect(await outcome(call(refund, { paymentId: p.id, amount: 1, idempotencyKey: key() }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["paymentId"],
    });
    expect(await fx.eventsOf(p.id)).toEqual(["payment.refunded", "payment.refunded", "payment.succeeded"]);
    const refundLines = (await fx.ledgerOf(p.id)).filter((l) => l.kind === "refund");
    expect(refundLines.reduce((sum, l) => sum + (l.account === "customer_funding" ? l.amount : 0), 0)).toBe(
      1000,
    );
  });

  test("more than is left is a BAD_REQUEST naming amount, and moves nothing", async () => {
    const user = newUser();
    const call = fx.as(user);
    const p = await paid(user, 500);
    await call(refund, { paymentId: p.id, amount: 200, idempotencyKey: key() });
    expect(await outcome(call(refund, { paymentId: p.id, amount: 301, idempotencyKey: key() }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["amount"],
    });
    expect((await call(get, { id: p.id })).amountRefunded).toBe(200);
  });

  test("only succeeded payments refund", async () => {
    const user = newUser();
    const failed = await paid(user, 500, "tok_chargeDeclined");
    expect(await outcome(fx.as(user)(refund, { paymentId: failed.id, idempotencyKey: key() }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["paymentId"],
    });
  });

  test("another user's payment is NOT_FOUND, exactly like a missing one", async () => {
    const owner = newUser();
    const p = await paid(owner);
    const stranger = fx.as(newUser());
    expect(await outcome(stranger(refund, { paymentId: p.id, idempotencyKey: key() }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await outcome(stranger(refund, { paymentId: crypto.randomUUID(), idempotencyKey: key() })),
    ).toMatchObject({ code: "NOT_FOUND" });
    expect((await fx.as(owner)(get, { id: p.id })).amountRefunded).toBe(0);
  });

  test("same key → the original refund, once; other amount under that key → CONFLICT", async () => {
    const user = newUser();
    const call = fx.as(user);
    const p = await paid(user, 1000);
    const input = { paymentId: p.id, amount: 400, idempotencyKey: key() };
    const [a, b, c] = await Promise.all([call(refund, input), call(refund, input), call(refund, input)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await call(refund, input)).toEqual(a);
    expect(await outcome(call(refund, { ...input, amount: 401 }))).toMatchObject({ code: "CONFLICT" });
    expect((await call(get, { id: p.id })).amountRefunded).toBe(400);
  });

  test("50 concurrent partial refunds that together exceed the payment never refund more than it", async () => {
    const user = newUser();
    const call = fx.as(user);
    const p = await paid(user, 1000);
    // 50 × 30 = 1500 > 1000: exactly 33 fit (990), the rest must be refused.
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => call(refund, { paymentId: p.id, amount: 30, idempotencyKey: key() })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    for (const r of results) {
      if (r.status === "rejected")
        expect(await outcome(Promise.reject(r.reason))).toMatchObject({ code: "BAD_REQUEST" });
    }
    expect(ok).toHaveLength(33);
    const after = await call(get, { id: p.id });
    expect(after.amountRefunded).toBe(990);
    expect((await fx.eventsOf(p.id)).filter((s) => s === "payment.refunded")).toHaveLength(33);
  });
});
