import type { Payment } from "@portico/contracts";
import { createBatcher, type ItemOutcome } from "@portico/kit";
import type { OutboxRow } from "@portico/kit/db";
import type { PaymentsDb } from "./db.ts";
import { type Claim, type Idempotency, keyInProgress } from "./idempotency.ts";
import { chargeLines } from "./ledger.ts";
import * as schema from "./schema.ts";

/** What one charge leaves behind once the processor has answered. */
export interface ChargeRecord {
  claim: Claim;
  payment: Payment;
  processor: string;
  processorRef: string;
  /** The payment.succeeded or payment.failed event. */
  event: OutboxRow;
}

export interface ChargeRecorder {
  /** Commits the payment, its ledger lines (if it succeeded), its event and its key's answer together. */
  record(charge: ChargeRecord): Promise<void>;
}

/**
 * Records charges that finish together in one transaction: one statement per table for the whole
 * batch instead of one per charge, and one commit. Each charge is still all-or-nothing, and one
 * whose key was taken over meanwhile (its lease lapsed) fails alone with a retryable CONFLICT.
 */
export function createChargeRecorder(db: PaymentsDb, keys: Idempotency): ChargeRecorder {
  const batcher = createBatcher<ChargeRecord, void>({
    maxSize: 100,
    maxConcurrent: 4,
    run: (charges) =>
      db.transaction(async (tx): Promise<ItemOutcome<void>[]> => {
        const completed = await keys.completeAll(
          tx,
          charges.map(({ claim, payment }) => ({ claim, response: payment })),
        );
        const owned = charges.filter(({ claim }) => completed.has(claim.keyId));
        if (owned.length > 0) {
          await tx.insert(schema.payments).values(
            owned.map(({ claim, payment, processor, processorRef }) => ({
              ...payment,
              createdAt: new Date(payment.createdAt),
              idempotencyKeyId: claim.keyId,
              processor,
              processorRef,
            })),
          );
          const lines = owned.flatMap(({ payment }) =>
            payment.status === "succeeded" ? chargeLines(payment) : [],
          );
          // Both only need the payment rows: pipelined on the transaction's connection.
          await Promise.all([
            lines.length > 0 ? tx.insert(schema.ledgerEntries).values(lines) : undefined,
            tx.insert(schema.outbox).values(owned.map(({ event }) => event)),
          ]);
        }
        return charges.map(({ claim }) =>
          completed.has(claim.keyId) ? { ok: true, value: undefined } : { ok: false, error: keyInProgress() },
        );
      }),
  });
  return { record: (charge) => batcher.submit(charge) };
}
