import { Payment, type payments } from "@portico/contracts";
import { fail, type HandlerFor, ServiceError } from "@portico/kit";
import { type ChargeAsked, chargeRecordOf } from "../chargeOutcome.ts";
import type { ChargeResult } from "../processor/processor.ts";
import type { PaymentsDeps } from "./deps.ts";

/**
 * Charges the caller's source once per idempotency key. The key's claim stores what is asked, so
 * input Postgres cannot store fails before the processor is called. The processor runs outside any
 * transaction; the payment, its ledger lines, its event and the key's stored answer then commit
 * together (with those of other charges finishing at the same time, see chargeRecorder.ts).
 */
export const charge =
  ({ processor, keys, charges }: PaymentsDeps): HandlerFor<typeof payments.procedures.charge> =>
  async (input, ctx) => {
    const userId = ctx.user.userId;
    const asked: ChargeAsked = {
      amount: input.amount,
      currency: input.currency,
      source: input.source,
      description: input.description ?? null,
    };
    const claimed = await keys.claim(
      { userId, key: input.idempotencyKey, operation: "charge", params: { ...asked } },
      ctx.request.deadline,
    );
    if ("replay" in claimed) return Payment.parse(claimed.replay);
    const claim = claimed.owner;

    let result: ChargeResult;
    try {
      result = await processor.charge(
        { amount: asked.amount, currency: asked.currency, source: asked.source, reference: claim.keyId },
        ctx.signal,
      );
    } catch (error) {
      // Nothing moved: free the key so a corrected request may use it.
      await keys
        .release(claim)
        .catch((e: unknown) => ctx.log.warn("could not release idempotency key", { error: e }));
      throw error;
    }

    // From here on money has moved. If recording fails, the key stays in flight with its lease
    // ended: the reconciler (or a retry with the same key) asks the processor again with the same
    // reference, which answers the original outcome, and records it.
    const record = chargeRecordOf({
      claim,
      userId,
      asked,
      result,
      processor: processor.name,
      request: ctx.request,
    });
    try {
      await charges.record(record);
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      ctx.log.error("charge not recorded after the processor answered; left to the reconciler", {
        error,
        keyId: claim.keyId,
      });
      await keys
        .abandon(claim)
        .catch((e: unknown) => ctx.log.warn("could not end the idempotency key's lease", { error: e }));
      throw fail.unavailable(
        "The charge could not be recorded yet; retry with the same idempotency key to get its outcome",
      );
    }
    return record.payment;
  };
