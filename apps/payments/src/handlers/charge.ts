import { Payment, paymentEvents, type payments } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import { newId, outboxRow } from "@portico/kit/db";
import type { ChargeResult } from "../processor/processor.ts";
import type { PaymentsDeps } from "./deps.ts";

/**
 * Charges the caller's source once per idempotency key. The processor runs outside any transaction;
 * the payment, its ledger lines, its event and the key's stored answer then commit together (with
 * those of other charges finishing at the same time, see chargeRecorder.ts).
 */
export const charge =
  ({ processor, keys, charges }: PaymentsDeps): HandlerFor<typeof payments.procedures.charge> =>
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
      id: newId(),
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
    await charges.record({
      claim,
      payment,
      processor: processor.name,
      processorRef: result.processorRef,
      event:
        result.status === "succeeded"
          ? outboxRow(paymentEvents.succeeded, facts, ctx.request)
          : outboxRow(paymentEvents.failed, { ...facts, failureCode: result.failureCode }, ctx.request),
    });
    return payment;
  };
