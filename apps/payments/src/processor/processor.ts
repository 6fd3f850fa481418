import type { Currency } from "@portico/contracts";

/** What a processor is asked to charge. `reference` is stable across retries of one request. */
export interface ChargeRequest {
  amount: number;
  currency: Currency;
  source: string;
  /** The processor's own idempotency key: a retry that resumes an abandoned request sends the same one. */
  reference: string;
}

/** A charge either moves the money or is declined; a declined card is an outcome, not an error. */
export type ChargeResult =
  | { status: "succeeded"; processorRef: string }
  | { status: "failed"; failureCode: "card_declined" | "insufficient_funds"; processorRef: string };

export interface RefundRequest {
  /** The processor's reference of the original charge. */
  chargeRef: string;
  amount: number;
  currency: Currency;
  reference: string;
}

/**
 * Where money actually moves. A request it rejects outright (e.g. an unknown source) throws a
 * BAD_REQUEST ServiceError before anything moved; a real provider is one more implementation.
 */
export interface Processor {
  readonly name: string;
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult>;
  refund(request: RefundRequest, signal?: AbortSignal): Promise<{ processorRef: string }>;
}
