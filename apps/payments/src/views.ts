import type { Currency, Payment, Refund } from "@portico/contracts";
import type * as schema from "./schema.ts";

type PaymentRow = typeof schema.payments.$inferSelect;
type RefundRow = typeof schema.refunds.$inferSelect;

/** The columns of a payment its owner sees (never the idempotency key id or processor reference). */
export const paymentColumns = (t: typeof schema.payments) => ({
  id: t.id,
  userId: t.userId,
  amount: t.amount,
  currency: t.currency,
  status: t.status,
  failureCode: t.failureCode,
  amountRefunded: t.amountRefunded,
  description: t.description,
  createdAt: t.createdAt,
});

type PaymentView = Pick<PaymentRow, keyof ReturnType<typeof paymentColumns>>;

/** A payment as the API shows it. */
export const toPayment = (row: PaymentView): Payment => ({
  id: row.id,
  userId: row.userId,
  amount: row.amount,
  // The column only ever holds a contract currency: it is written from validated input.
  currency: row.currency as Currency,
  status: row.status,
  failureCode: row.failureCode,
  amountRefunded: row.amountRefunded,
  description: row.description,
  createdAt: row.createdAt.toISOString(),
});

/** A refund as the API shows it. */
export const toRefund = (row: Pick<RefundRow, "id" | "paymentId" | "amount" | "createdAt">): Refund => ({
  id: row.id,
  paymentId: row.paymentId,
  amount: row.amount,
  createdAt: row.createdAt.toISOString(),
});
