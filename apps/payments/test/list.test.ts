import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Payment, payments } from "@portico/contracts";
import { newUser, outcome, PaymentsFixture } from "./support.ts";

const { charge, get, list } = payments.procedures;
let fx: PaymentsFixture;

beforeAll(async () => {
  fx = await PaymentsFixture.start({ instances: 1 });
});
afterAll(async () => {
  await fx?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  expect(await fx.violations()).toEqual([]);
});

const pay = (user: string, source = "tok_visa", amount = 100) =>
  fx.as(user)(charge, { amount, currency: "USD", source, idempotencyKey: crypto.randomUUID() });

/** Every page of the user's list, following cursors. */
async function allPages(user: string, limit: number, status?: "succeeded" | "failed"): Promise<Payment[]> {
  const out: Payment[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fx.as(user)(list, {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(status ? { status } : {}),
    });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

describe("payments.get and payments.list", () => {
  test("get shows only the caller's own payment", async () => {
    const owner = newUser();
    const p = await pay(owner);
    expect(await fx.as(owner)(get, { id: p.id })).toEqual(p);
    expect(await outcome(fx.as(newUser())(get, { id: p.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await outcome(fx.as(owner)(get, { id: "not-a-uuid" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["id"],
    });
  });

  test("newest first, status filter, only the caller's own", async () => {
    const user = newUser();
    const other = newUser();
    const made: Payment[] = [];
    for (const source of [
      "tok_visa",
      "tok_chargeDeclined",
      "tok_mastercard",
      "tok_insufficientFunds",
      "tok_visa",
    ]) {
      made.push(await pay(user, source));
    }
    await pay(other);
    const page = await fx.as(user)(list, { limit: 20 });
    expect(page.items.map((p) => p.id)).toEqual(made.map((p) => p.id).reverse());
    expect(page.nextCursor).toBeNull();
    const failed = await allPages(user, 1, "failed");
    expect(failed.map((p) => p.failureCode)).toEqual(["insufficient_funds", "card_declined"]);
    expect((await allPages(user, 2, "succeeded")).map((p) => p.id)).toEqual(
      made
        .filter((p) => p.status === "succeeded")
        .map((p) => p.id)
        .reverse(),
    );
    expect((await fx.as(newUser())(list, { limit: 20 })).items).toEqual([]);
  });

  test("paging while new payments arrive: no duplicates, no gaps, strictly newest first", async () => {
    const user = newUser();
    // A burst makes equal created_at values likely, so the id tie-breaker matters.
    const before = await Promise.all(Array.from({ length: 25 }, () => pay(user)));
    const arriving: Promise<Payment>[] = [];
    const seen: Payment[] = [];
    let cursor: string | undefined;
    for (;;) {
      arriving.push(pay(user));
      const page = await fx.as(user)(list, { limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    await Promise.all(arriving);
    const ids = seen.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of before) expect(ids).toContain(p.id);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      if (!a || !b) continue;
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
    }
  });

  test("a cursor that payments.list did not make is a BAD_REQUEST naming cursor", async () => {
    expect(await outcome(fx.as(newUser())(list, { limit: 5, cursor: "garbage" }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["cursor"],
    });
    expect(await outcome(fx.as(newUser())(list, { limit: 101 }))).toEqual({
      code: "BAD_REQUEST",
      fields: ["limit"],
    });
  });
});
