import type { Payment } from "@portico/contracts";
import { createBatcher, type ItemOutcome } from "@portico/kit";
import { jsonRecords, type OutboxRow } from "@portico/kit/db";
import { type SQL, sql } from "drizzle-orm";
import type { PaymentsDb } from "./db.ts";
import { type Claim, completionStatement, keyInProgress } from "./idempotency.ts";
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
 * Records charges that finish together with one statement, so one commit: it completes their keys
 * and, for each key it completed, inserts the payment, its ledger lines and its event. A charge
 * whose key was taken over meanwhile (its lease lapsed) fails alone with a retryable CONFLICT; the
 * others are recorded all or nothing. (Data-modifying CTEs: the ledger lines' foreign keys are
 * checked at the end of the statement, when their payments exist.)
 */
export function createChargeRecorder(db: PaymentsDb): ChargeRecorder {
  const batcher = createBatcher<ChargeRecord, void>({
    maxSize: 100,
    maxConcurrent: 4,
    async run(charges): Promise<ItemOutcome<void>[]> {
      const done = await db.execute<{ id: string }>(recordStatement(charges));
      const completed = new Set(done.map((row) => row.id));
      return charges.map(({ claim }) =>
        completed.has(claim.keyId) ? { ok: true, value: undefined } : { ok: false, error: keyInProgress() },
      );
    },
  });
  return { record: (charge) => batcher.submit(charge) };
}

/** The record statement of a batch; every row is tagged with its key (`key_id`), so only the rows of completed keys go in. */
function recordStatement(charges: ChargeRecord[]): SQL {
  const paymentRows = charges.map(({ claim, payment, processor, processorRef }) => ({
    key_id: claim.keyId,
    id: payment.id,
    user_id: payment.userId,
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    failure_code: payment.failureCode,
    description: payment.description,
    processor,
    processor_ref: processorRef,
    created_at: payment.createdAt,
  }));
  const lineRows = charges.flatMap(({ claim, payment }) =>
    payment.status === "succeeded"
      ? chargeLines(payment).map((line) => ({
          key_id: claim.keyId,
          id: line.id,
          transaction_id: line.transactionId,
          kind: line.kind,
          account: line.account,
          amount: line.amount,
          currency: line.currency,
          payment_id: line.paymentId,
        }))
      : [],
  );
  const eventRows = charges.map(({ claim, event }) => ({
    key_id: claim.keyId,
    id: event.id,
    subject: event.subject,
    version: event.version,
    payload: event.payload,
    headers: event.headers,
  }));
  const { payments, ledgerEntries, outbox } = schema;
  return sql`
    with done as (${completionStatement(charges.map(({ claim, payment }) => ({ claim, response: payment })))}),
    paid as (
      insert into ${payments} (id, user_id, idempotency_key_id, amount, currency, status, failure_code,
        description, processor, processor_ref, created_at)
      select p.id, p.user_id, p.key_id, p.amount, p.currency, p.status, p.failure_code, p.description,
        p.processor, p.processor_ref, p.created_at
      from ${jsonRecords(paymentRows)} as p(key_id uuid, id uuid, user_id uuid, amount integer, currency text,
        status text, failure_code text, description text, processor text, processor_ref text, created_at timestamptz)
      where p.key_id in (select id from done)
    ),
    booked as (
      insert into ${ledgerEntries} (id, transaction_id, kind, account, amount, currency, payment_id)
      select l.id, l.transaction_id, l.kind, l.account, l.amount, l.currency, l.payment_id
      from ${jsonRecords(lineRows)} as l(key_id uuid, id uuid, transaction_id uuid, kind text, account text,
        amount bigint, currency text, payment_id uuid)
      where l.key_id in (select id from done)
    ),
    announced as (
      insert into ${outbox} (id, subject, version, payload, headers)
      select o.id, o.subject, o.version, o.payload, o.headers
      from ${jsonRecords(eventRows)} as o(key_id uuid, id uuid, subject text, version integer, payload jsonb, headers jsonb)
      where o.key_id in (select id from done)
    )
    select id from done`;
}
