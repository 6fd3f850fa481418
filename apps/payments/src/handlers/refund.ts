import { paymentEvents, type payments, Refund } from "@portico/contracts";
import { fail, type HandlerFor } from "@portico/kit";
import { enqueueEvent } from "@portico/kit/db";
import { and, eq, sql } from "drizzle-orm";
import { bookRefund } from "../ledger.ts";
import * as schema from "../schema.ts";
import { toPayment, toRefund } from "../views.ts";
import type { PaymentsDeps } from "./deps.ts";

const invalid = (field: string, message: string) =>
  fail.badRequest(message, { formErrors: [], fieldErrors: { [field]: [message] } });

/**
 * Refunds part or all of one of the caller's succeeded payments, once per idempotency key. The
 * payment row is locked for the whole refund, so concurrent refunds never add up to more than it.
 */
export const refund =
  ({ db, processor, keys }: PaymentsDeps): HandlerFor<typeof payments.procedures.refund> =>
  async (input, ctx) => {
    const userId = ctx.user.userId;
    const claimed = await keys.claim(
      {
        userId,
        key: input.idempotencyKey,
        operation: "refund",
        params: { paymentId: input.paymentId, amount: input.amount ?? null },
      },
      ctx.request.deadline,
    );
    if ("replay" in claimed) return Refund.parse(claimed.replay);
    const claim = claimed.owner;

    let moved = false;
    try {
      return await db.transaction(async (tx) => {
        const p = schema.payments;
        const [payment] = await tx
          .select()
          .from(p)
          .where(and(eq(p.id, input.paymentId), eq(p.userId, userId)))
          .for("update");
        if (!payment) throw fail.notFound("Payment");
        if (payment.status !== "succeeded")
          throw invalid("paymentId", "Only succeeded payments can be refunded");
        const left = payment.amount - payment.amountRefunded;
        if (left === 0) throw invalid("paymentId", "This payment is already fully refunded");
        const amount = input.amount ?? left;
        if (amount > left)
          throw invalid("amount", `Refunds would exceed the payment: at most ${left} is left`);

        const done = await processor.refund(
          {
            chargeRef: payment.processorRef,
            amount,
            currency: toPayment(payment).currency,
            reference: claim.keyId,
          },
          ctx.signal,
        );
        moved = true;
        const [row] = await tx
          .insert(schema.refunds)
          .values({
            paymentId: payment.id,
            userId,
            idempotencyKeyId: claim.keyId,
            amount,
            processorRef: done.processorRef,
          })
          .returning();
        const [updated] = await tx
          .update(p)
          .set({ amountRefunded: sql`${p.amountRefunded} + ${amount}` })
          .where(eq(p.id, payment.id))
          .returning({ amountRefunded: p.amountRefunded });
        if (!row || !updated) throw new Error("refund write returned no row");
        await bookRefund(tx, { paymentId: payment.id, refundId: row.id, amount, currency: payment.currency });
        const result = toRefund(row);
        await enqueueEvent(
          tx,
          schema.outbox,
          paymentEvents.refunded,
          {
            paymentId: payment.id,
            userId,
            amount: payment.amount,
            currency: toPayment(payment).currency,
            description: payment.description,
            occurredAt: result.createdAt,
            refundId: row.id,
            refundAmount: amount,
            amountRefunded: updated.amountRefunded,
          },
          ctx.request,
        );
        await keys.complete(tx, claim, result);
        return result;
      });
    } catch (error) {
      // Rejected before the processor moved anything: free the key for a corrected request.
      if (!moved)
        await keys
          .release(claim)
          .catch((e: unknown) => ctx.log.warn("could not release idempotency key", { error: e }));
      throw error;
    }
  };
