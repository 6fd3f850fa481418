import { Payment, paymentEvents, type payments } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { enqueueEvent } from "@portico/kit/db";
import { bookCharge } from "../ledger.ts";
import type { ChargeResult } from "../processor/processor.ts";
import * as schema from "../schema.ts";
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
    const payment: Payment = {
      id: crypto.randomUUID(),
      userId,
      amount: input.amount,
      currency: input.currency,
      status: result.status,
      failureCode: result.status === "failed" ? result.failureCode : null,
      amountRefunded: 0,
      description,
      createdAt: new Date().toISOString(),
    };
    const facts = {
      paymentId: payment.id,
      userId,
      amount: payment.amount,
      currency: payment.currency,
      description,
      occurredAt: payment.createdAt,
    };
    await db.transaction(async (tx) => {
      await tx.insert(schema.payments).values({
        ...payment,
        createdAt: new Date(payment.createdAt),
        idempotencyKeyId: claim.keyId,
        processor: processor.name,
        processorRef: result.processorRef,
      });
      // The rest only needs the payment row to exist: send it together (pipelined on the
      // transaction's connection) rather than one round trip per statement.
      await Promise.all([
        result.status === "succeeded" ? bookCharge(tx, payment) : undefined,
        result.status === "succeeded"
          ? enqueueEvent(tx, schema.outbox, paymentEvents.succeeded, facts, ctx.request)
          : enqueueEvent(
              tx,
              schema.outbox,
              paymentEvents.failed,
              { ...facts, failureCode: result.failureCode },
              ctx.request,
            ),
        keys.complete(tx, claim, payment),
      ]);
    });
    return payment;
  };
