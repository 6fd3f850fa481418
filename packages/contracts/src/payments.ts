import { z } from "zod";
import { defineEvent } from "./events.ts";
import { cursor, id, page, pageLimit, plainText, text, timestamp } from "./fields.ts";
import { defineService, mutation, query } from "./procedure.ts";

export const Currency = z.enum(["USD", "EUR", "GBP", "JPY"]);
export type Currency = z.infer<typeof Currency>;

/** Minor units per major unit: JPY has none. */
export const currencyExponent: Record<Currency, number> = { USD: 2, EUR: 2, GBP: 2, JPY: 0 };

export const PaymentStatus = z.enum(["succeeded", "failed"]);
export const FailureCode = z.enum(["card_declined", "insufficient_funds"]);

/** Integer minor units (cents); JPY in whole yen. */
export const amount = z.int("Must be a whole number of minor units").min(1).max(99_999_999);
const idempotencyKey = text().min(1).max(255);

export const Payment = z.object({
  id,
  userId: id,
  amount: z.int(),
  currency: Currency,
  status: PaymentStatus,
  failureCode: FailureCode.nullable(),
  amountRefunded: z.int(),
  description: z.string().nullable(),
  createdAt: timestamp,
});
export type Payment = z.infer<typeof Payment>;

export const Refund = z.object({ id, paymentId: id, amount: z.int(), createdAt: timestamp });
export type Refund = z.infer<typeof Refund>;

export const payments = defineService("payments", {
  charge: mutation({
    access: "user",
    input: z.object({
      amount,
      currency: Currency,
      source: text().min(1).max(255),
      description: plainText(0, 500).optional(),
      idempotencyKey,
    }),
    output: Payment,
  }),
  refund: mutation({
    access: "user",
    input: z.object({ paymentId: id, amount: amount.optional(), idempotencyKey }),
    output: Refund,
  }),
  get: query({ access: "user", input: z.object({ id }), output: Payment }),
  list: query({
    access: "user",
    input: z
      .object({ limit: pageLimit(100, 20), cursor: cursor.optional(), status: PaymentStatus.optional() })
      .default({ limit: 20 }),
    output: page(Payment),
  }),
});

const paymentFacts = {
  paymentId: id,
  userId: id,
  amount: z.int(),
  currency: Currency,
  description: z.string().nullable(),
  occurredAt: timestamp,
};

export const paymentEvents = {
  succeeded: defineEvent("payment.succeeded", 1, z.object(paymentFacts)),
  failed: defineEvent("payment.failed", 1, z.object({ ...paymentFacts, failureCode: FailureCode })),
  refunded: defineEvent(
    "payment.refunded",
    1,
    z.object({ ...paymentFacts, refundId: id, refundAmount: z.int(), amountRefunded: z.int() }),
  ),
};
