import { ErrorCode } from "@portico/contracts";
import { type Logger, ServiceError } from "@portico/kit";
import { ChargeAsked, chargeRecordOf } from "./chargeOutcome.ts";
import type { ChargeRecorder } from "./chargeRecorder.ts";
import type { AbandonedCharge, Idempotency } from "./idempotency.ts";
import type { Processor } from "./processor/processor.ts";

export interface ReconcilerDeps {
  keys: Idempotency;
  processor: Processor;
  charges: ChargeRecorder;
  log: Logger;
}

/** What one pass did. */
export interface ReconcileReport {
  /** Charges whose outcome the processor gave again and that are now recorded. */
  recorded: number;
  /** Charges the processor refused outright (nothing moved): their keys were freed. */
  released: number;
  /** Charges still unrecorded (left for the next pass). */
  failed: number;
}

/**
 * Finishes charges that were left in flight: their owner crashed after claiming the key, or the
 * processor answered and recording failed. Each is resumed like a retry with the same key would be:
 * the processor is asked again with the same reference (its idempotency returns the original
 * outcome, moving no money twice) and the outcome is recorded with the request stored in the claim.
 */
export async function reconcileCharges(deps: ReconcilerDeps, batchSize: number): Promise<ReconcileReport> {
  const report: ReconcileReport = { recorded: 0, released: 0, failed: 0 };
  for (const abandoned of await deps.keys.abandonedCharges(batchSize)) {
    const outcome = await reconcileOne(deps, abandoned).catch((error: unknown) => {
      deps.log.error("could not reconcile a charge", { error, keyId: abandoned.keyId });
      return "failed" as const;
    });
    if (outcome !== "skipped") report[outcome]++;
  }
  return report;
}

async function reconcileOne(
  { keys, processor, charges, log }: ReconcilerDeps,
  abandoned: AbandonedCharge,
): Promise<"recorded" | "released" | "failed" | "skipped"> {
  const asked = ChargeAsked.safeParse(abandoned.request);
  if (!asked.success) {
    log.error("an abandoned charge's stored request is not a charge; left for its client to retry", {
      keyId: abandoned.keyId,
    });
    return "failed";
  }
  const claim = await keys.takeOver(abandoned.keyId);
  if (!claim) return "skipped"; // a retry got there first
  const { amount, currency, source } = asked.data;
  let result: Awaited<ReturnType<Processor["charge"]>>;
  try {
    result = await processor.charge({ amount, currency, source, reference: claim.keyId });
  } catch (error) {
    if (error instanceof ServiceError && error.code === ErrorCode.BAD_REQUEST) {
      await keys.release(claim);
      return "released";
    }
    await keys.abandon(claim);
    throw error;
  }
  try {
    await charges.record(
      chargeRecordOf({
        claim,
        userId: abandoned.userId,
        asked: asked.data,
        result,
        processor: processor.name,
      }),
    );
  } catch (error) {
    await keys.abandon(claim).catch(() => undefined);
    throw error;
  }
  log.warn("reconciled a charge left in flight", { keyId: claim.keyId, status: result.status });
  return "recorded";
}

/** Runs `reconcileCharges` every `intervalMs` (one pass at a time); returns a stop function. */
export function startChargeReconciler(
  deps: ReconcilerDeps,
  opts: { intervalMs: number; batchSize: number },
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= reconcileCharges(deps, opts.batchSize)
      .catch((error: unknown) => deps.log.warn("charge reconciliation failed", { error }))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, opts.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
