import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { payments } from "@portico/contracts";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { adminUrl } from "../../../test/support/env.ts";
import * as schema from "../src/schema.ts";
import { newUser, outcome, PaymentsFixture } from "./support.ts";

// A charge whose recording fails after the processor answered must not be lost: its key is left
// in flight with what was asked, the reconciler asks the processor again with the same reference
// and records the outcome, and a retry with the same key gets that payment.
const { charge } = payments.procedures;
let fx: PaymentsFixture;
const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  fx = await PaymentsFixture.start({ env: { CHARGE_RECONCILE_INTERVAL_MS: "100" } });
});
afterAll(async () => {
  await dropRefusal();
  await fx?.[Symbol.asyncDispose]();
  await admin.end();
});

/** Makes Postgres refuse to insert a payment with this description, as a failing disk or a bug would. */
async function refusePaymentsDescribed(description: string) {
  await admin.unsafe(`
    create or replace function payments.refuse_test_payment() returns trigger language plpgsql as $$
    begin
      if new.description = '${description}' then raise exception 'recording refused by the test'; end if;
      return new;
    end $$;
    create trigger refuse_test_payment before insert on payments.payments
      for each row execute function payments.refuse_test_payment();`);
}
async function dropRefusal() {
  await admin.unsafe(`
    drop trigger if exists refuse_test_payment on payments.payments;
    drop function if exists payments.refuse_test_payment();`);
}

async function keyRow(userId: string, key: string) {
  const [row] = await fx.db
    .select({ state: schema.idempotencyKeys.state, request: schema.idempotencyKeys.request })
    .from(schema.idempotencyKeys)
    .where(eq(schema.idempotencyKeys.userId, userId));
  return row ? { ...row, key } : undefined;
}

describe("a charge whose recording fails after the processor answered", () => {
  test("is reconciled: recorded once, with its event and ledger lines, and the retry gets it", async () => {
    const user = newUser();
    const key = crypto.randomUUID();
    const description = `unrecordable ${crypto.randomUUID()}`;
    const input = {
      amount: 4200,
      currency: "GBP" as const,
      source: "tok_visa",
      description,
      idempotencyKey: key,
    };

    await refusePaymentsDescribed(description);
    expect(await outcome(fx.as(user)(charge, input))).toEqual({ code: "SERVICE_UNAVAILABLE", fields: [] });
    expect(await fx.paymentCount(user)).toBe(0);
    expect(await keyRow(user, key)).toEqual({
      state: "in_flight",
      request: { amount: 4200, currency: "GBP", source: "tok_visa", description },
      key,
    });

    // Recording works again (the cause is gone): the reconciler finishes the charge by itself.
    await dropRefusal();
    const until = Date.now() + 10_000;
    while ((await fx.paymentCount(user)) === 0 && Date.now() < until) await Bun.sleep(50);
    expect(await fx.paymentCount(user)).toBe(1);
    expect((await keyRow(user, key))?.state).toBe("completed");

    const retried = await fx.as(user)(charge, input);
    expect(retried).toMatchObject({
      userId: user,
      amount: 4200,
      currency: "GBP",
      status: "succeeded",
      description,
    });
    expect(await fx.paymentCount(user)).toBe(1);
    expect(await fx.eventsOf(retried.id)).toEqual(["payment.succeeded"]);
    expect((await fx.ledgerOf(retried.id)).map((l) => l.amount).sort((a, b) => a - b)).toEqual([-4200, 4200]);
    expect(await fx.violations()).toEqual([]);
  });

  test("a retry after the failure, before the reconciler, also gets the one recorded payment", async () => {
    const user = newUser();
    const description = `unrecordable ${crypto.randomUUID()}`;
    const input = {
      amount: 700,
      currency: "EUR" as const,
      source: "tok_chargeDeclined",
      description,
      idempotencyKey: crypto.randomUUID(),
    };
    await refusePaymentsDescribed(description);
    expect((await outcome(fx.as(user)(charge, input))).code).toBe("SERVICE_UNAVAILABLE");
    await dropRefusal();
    // The failed attempt ended its lease, so the retry resumes the key at once (or finds the
    // reconciler's answer): either way there is exactly one payment.
    const retried = await fx.as(user)(charge, input);
    expect(retried).toMatchObject({ status: "failed", failureCode: "card_declined", description });
    const again = await fx.as(user)(charge, input);
    expect(again.id).toBe(retried.id);
    await Bun.sleep(300); // a reconciler pass in between changes nothing
    expect(await fx.paymentCount(user)).toBe(1);
    expect(await fx.eventsOf(retried.id)).toEqual(["payment.failed"]);
  });
});
