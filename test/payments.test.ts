import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { PorticoClient } from "@portico/client";
import postgres from "postgres";
import { serviceDatabaseUrl } from "./support/env.ts";
import { clientError, errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// End to end, as a frontend sees payments: gateway, users and two payments instances as separate processes.
let stack: Stack;
let sql: postgres.Sql;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments"] });
  await stack.startService("payments");
  sql = postgres(serviceDatabaseUrl("payments"), { max: 2, onnotice: () => undefined });
});

afterAll(async () => {
  await sql?.end();
  await stack?.[Symbol.asyncDispose]();
});

async function signedIn(): Promise<{ api: PorticoClient; userId: string }> {
  const session = await stack
    .client()
    .users.signUp.mutate({ email: uniqueEmail("payer"), password: "correct horse", name: "Payer" });
  return { api: stack.client(() => session.accessToken), userId: session.user.id };
}

const key = () => crypto.randomUUID();

/** The fields a BAD_REQUEST names. */
async function badFields(call: Promise<unknown>): Promise<string[]> {
  const error = await clientError(call);
  expect(error.data?.code).toBe("BAD_REQUEST");
  const zod = error.data?.zodError as { fieldErrors?: Record<string, string[]> } | null | undefined;
  return Object.keys(zod?.fieldErrors ?? {});
}

async function ledgerHolds(): Promise<void> {
  const unbalanced = await sql`
    select transaction_id from payments.ledger_entries group by transaction_id having sum(amount) <> 0`;
  expect(unbalanced).toHaveLength(0);
}

describe("payments through the gateway", () => {
  test("charge → get → list → partial refund → default refund, and the event is relayed", async () => {
    const { api, userId } = await signedIn();
    const p = await api.payments.charge.mutate({
      amount: 2500,
      currency: "USD",
      source: "tok_visa",
      description: "Concert tickets",
      idempotencyKey: key(),
    });
    expect(p).toMatchObject({
      userId,
      amount: 2500,
      status: "succeeded",
      failureCode: null,
      amountRefunded: 0,
    });
    expect(await api.payments.get.query({ id: p.id })).toEqual(p);
    expect((await api.payments.list.query({})).items.map((x) => x.id)).toEqual([p.id]);

    const part = await api.payments.refund.mutate({ paymentId: p.id, amount: 1000, idempotencyKey: key() });
    expect(part).toMatchObject({ paymentId: p.id, amount: 1000 });
    const rest = await api.payments.refund.mutate({ paymentId: p.id, idempotencyKey: key() });
    expect(rest.amount).toBe(1500);
    expect((await api.payments.get.query({ id: p.id })).amountRefunded).toBe(2500);
    expect(await badFields(api.payments.refund.mutate({ paymentId: p.id, idempotencyKey: key() }))).toEqual([
      "paymentId",
    ]);

    // The outbox row committed with the payment is published to JetStream by the runtime's relay.
    let published = false;
    for (let i = 0; i < 50 && !published; i++) {
      const [row] = await sql`select published_at from payments.outbox
        where payload->>'paymentId' = ${p.id} and subject = 'payment.succeeded'`;
      published = Boolean(row?.published_at);
      if (!published) await Bun.sleep(100);
    }
    expect(published).toBe(true);
    await ledgerHolds();
  });

  test("a declined card is a failed payment, not an error", async () => {
    const { api } = await signedIn();
    const p = await api.payments.charge.mutate({
      amount: 100,
      currency: "GBP",
      source: "tok_chargeDeclined",
      idempotencyKey: key(),
    });
    expect(p).toMatchObject({ status: "failed", failureCode: "card_declined" });
    expect((await api.payments.list.query({ status: "failed" })).items.map((x) => x.id)).toEqual([p.id]);
    expect((await api.payments.list.query({ status: "succeeded" })).items).toEqual([]);
    expect(await badFields(api.payments.refund.mutate({ paymentId: p.id, idempotencyKey: key() }))).toEqual([
      "paymentId",
    ]);
  });

  test("invalid amounts, currencies, sources, keys and limits are BAD_REQUEST naming the field", async () => {
    const { api } = await signedIn();
    const base = { amount: 100, currency: "USD" as const, source: "tok_visa", idempotencyKey: key() };
    for (const amount of [0, 2.5, 100_000_000]) {
      expect(await badFields(api.payments.charge.mutate({ ...base, amount }))).toEqual(["amount"]);
    }
    const currency = { ...base, currency: "BTC" } as unknown as typeof base;
    expect(await badFields(api.payments.charge.mutate(currency))).toEqual(["currency"]);
    expect(await badFields(api.payments.charge.mutate({ ...base, source: "tok_unknown" }))).toEqual([
      "source",
    ]);
    expect(await badFields(api.payments.charge.mutate({ ...base, idempotencyKey: "k".repeat(256) }))).toEqual(
      ["idempotencyKey"],
    );
    expect(await badFields(api.payments.charge.mutate({ ...base, description: "x".repeat(501) }))).toEqual([
      "description",
    ]);
    expect(await badFields(api.payments.list.query({ limit: 0 }))).toEqual(["limit"]);
    expect((await api.payments.list.query({})).items).toEqual([]);
  });

  test("idempotency keys: duplicates (also concurrent) return the original, other parameters CONFLICT", async () => {
    const { api } = await signedIn();
    const input = { amount: 777, currency: "JPY" as const, source: "tok_mastercard", idempotencyKey: key() };
    const all = await Promise.allSettled(Array.from({ length: 20 }, () => api.payments.charge.mutate(input)));
    const ids = new Set(all.flatMap((r) => (r.status === "fulfilled" ? [r.value.id] : [])));
    expect(ids.size).toBe(1);
    for (const r of all)
      if (r.status === "rejected") expect(await errorCode(Promise.reject(r.reason))).toBe("CONFLICT");
    const [id] = [...ids];
    if (!id) throw new Error("no payment");
    expect((await api.payments.charge.mutate(input)).id).toBe(id);
    expect(await errorCode(api.payments.charge.mutate({ ...input, amount: 778 }))).toBe("CONFLICT");
    expect((await api.payments.list.query({})).items.map((x) => x.id)).toEqual([id]);
    const [{ n } = { n: -1 }] = await sql<{ n: number }[]>`
      select count(*)::int as n from payments.outbox where payload->>'paymentId' = ${id}`;
    expect(n).toBe(1);
    await ledgerHolds();
  });

  test("another user's payment: NOT_FOUND for get and refund, absent from list; no token: UNAUTHORIZED", async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const p = await owner.api.payments.charge.mutate({
      amount: 900,
      currency: "EUR",
      source: "tok_visa",
      idempotencyKey: key(),
    });
    expect(await errorCode(stranger.api.payments.get.query({ id: p.id }))).toBe("NOT_FOUND");
    expect(
      await errorCode(stranger.api.payments.refund.mutate({ paymentId: p.id, idempotencyKey: key() })),
    ).toBe("NOT_FOUND");
    expect((await stranger.api.payments.list.query({})).items).toEqual([]);
    expect((await owner.api.payments.get.query({ id: p.id })).amountRefunded).toBe(0);
    expect(await errorCode(stack.client().payments.list.query({}))).toBe("UNAUTHORIZED");
    expect(
      await errorCode(
        stack
          .client()
          .payments.charge.mutate({ amount: 1, currency: "USD", source: "tok_visa", idempotencyKey: key() }),
      ),
    ).toBe("UNAUTHORIZED");
  });
});
