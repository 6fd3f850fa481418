import { Currency, type Payment, paymentEvents } from "@portico/contracts";
import type { RequestContext } from "@portico/kit";
import { newId, outboxRow } from "@portico/kit/db";
import { z } from "zod";
import type { ChargeRecord } from "./chargeRecorder.ts";
import type { Claim } from "./idempotency.ts";
import type { ChargeResult } from "./processor/processor.ts";

/** What a charge asks for, as stored with its idempotency key's claim. */
export const ChargeAsked = z.object({
  amount: z.int(),
  currency: Currency,
  source: z.string(),
  description: z.string().nullable(),
});
export type ChargeAsked = z.infer<typeof ChargeAsked>;

/** The payment, and its payment.succeeded or payment.failed event, that a processor's answer leaves behind. */
export function chargeRecordOf(opts: {
  claim: Claim;
  userId: string;
  asked: ChargeAsked;
  result: ChargeResult;
  processor: string;
  /** The request that asked for it; a reconciled charge has none. */
  request?: RequestContext;
}): ChargeRecord {
  const { claim, userId, asked, result } = opts;
  const payment: Payment = {
    id: newId(),
    userId,
    amount: asked.amount,
    currency: asked.currency,
    status: result.status,
    failureCode: result.status === "failed" ? result.failureCode : null,
    amountRefunded: 0,
    description: asked.description,
    createdAt: new Date().toISOString(),
  };
  const facts = {
    paymentId: payment.id,
    userId,
    amount: payment.amount,
    currency: payment.currency,
    description: payment.description,
    occurredAt: payment.createdAt,
  };
  return {
    claim,
    payment,
    processor: opts.processor,
    processorRef: result.processorRef,
    event:
      result.status === "succeeded"
        ? outboxRow(paymentEvents.succeeded, facts, opts.request)
        : outboxRow(paymentEvents.failed, { ...facts, failureCode: result.failureCode }, opts.request),
  };
}
