import { fail } from "@portico/kit";
import type { ChargeResult, Processor } from "./processor.ts";

type Outcome =
  | { status: "succeeded" }
  | { status: "failed"; failureCode: "card_declined" | "insufficient_funds" };

/** The sandbox's test tokens and what each one does (the public API's sandbox tokens). */
export const sandboxTokens: Record<string, Outcome> = {
  tok_visa: { status: "succeeded" },
  tok_mastercard: { status: "succeeded" },
  tok_chargeDeclined: { status: "failed", failureCode: "card_declined" },
  tok_insufficientFunds: { status: "failed", failureCode: "insufficient_funds" },
};

const unknownSource = () =>
  fail.badRequest("Invalid input: source", {
    formErrors: [],
    fieldErrors: { source: [`Unknown payment source; use one of ${Object.keys(sandboxTokens).join(", ")}`] },
  });

/** Deterministic: the same reference always gets the same processor id, as a real provider's idempotency would. */
const refOf = (prefix: string, reference: string) => `${prefix}_${reference.replaceAll("-", "")}`;

/** The built-in processor: the source token decides the outcome; `latencyMs` simulates the network round trip. */
export function createSandboxProcessor(opts: { latencyMs: number }): Processor {
  const delay = async () => {
    if (opts.latencyMs > 0) await Bun.sleep(opts.latencyMs);
  };
  return {
    name: "sandbox",
    async charge({ source, reference }): Promise<ChargeResult> {
      const outcome = Object.hasOwn(sandboxTokens, source) ? sandboxTokens[source] : undefined;
      if (!outcome) throw unknownSource();
      await delay();
      return { ...outcome, processorRef: refOf("ch", reference) };
    },
    async refund({ reference }) {
      await delay();
      return { processorRef: refOf("re", reference) };
    },
  };
}
