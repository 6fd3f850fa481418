import { Payment, paymentEvents, type payments } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { enqueueEvent } from "@portico/kit/db";
import { bookCharge } from "../ledger.ts";
import type { ChargeResult } from "../processor/processor.ts";
import * as schema from "../schema.ts";
import { toPayment } from "../views.ts";
import type { PaymentsDeps } from "./deps.ts";

/**
 * Charges the caller's source once per idempotency key. The processor runs outside any transaction;
 * the payment, its ledger lines, its event and the key's stored answer then commit together.
 */
export const charge =
  ({ db, processor, keys }: PaymentsDeps): HandlerFor<typeof payments.procedures.charge> =>
  async (input, ctx) => {
    const userId = ctx.user.userId;
    const description = input.description ?? null;
    const claimed = await keys.claim(
      {
        userId,
        key: input.idempotencyKey,
        operation: "charge",
        params: { amount: input.amount, currency: input.currency, source: input.source, description },
      },
      ctx.request.deadline,
    );
    if ("replay" in claimed) return Payment.parse(claimed.replay);
    const claim = claimed.owner;

    let result: ChargeResult;
    try {
      result = await processor.charge(
        { amount: input.amount, currency: input.currency, source: input.source, reference: claim.keyId },
        ctx.signal,
      );
    } catch (error) {
      // Nothing moved: free the key so a corrected request may use it.
      await keys
        .release(claim)
        .catch((e: unknown) => ctx.log.warn("could not release idempotency key", { error: e }));
      throw error;
    }

    // From here on money has moved: on failure the key stays in flight and a retry resumes it
    // after the lease, sending the processor the same reference.
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(schema.payments)
        .values({
          userId,
          idempotencyKeyId: claim.keyId,
          amount: input.amount,
          currency: input.currency,
          status: result.status,
          failureCode: result.status === "failed" ? result.failureCode : null,
          description,
          processor: processor.name,
          processorRef: result.processorRef,
        })
        .returning();
      if (!row) throw new Error("insert returned no row");
      const payment = toPayment(row);
      const facts = {
        paymentId: payment.id,
        userId,
        amount: payment.amount,
        currency: payment.currency,
        description,
        occurredAt: payment.createdAt,
      };
      if (result.status === "succeeded") {
        await bookCharge(tx, { paymentId: row.id, amount: row.amount, currency: row.currency });
        await enqueueEvent(tx, schema.outbox, paymentEvents.succeeded, facts, ctx.request);
      } else {
        await enqueueEvent(
          tx,
          schema.outbox,
          paymentEvents.failed,
          { ...facts, failureCode: result.failureCode },
          ctx.request,
        );
      }
      await keys.complete(tx, claim, payment);
      return payment;
    });
  };
