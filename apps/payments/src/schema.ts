import { outboxTable } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

/** Everything the payments service stores, in its own Postgres schema. */
export const paymentsSchema = pgSchema("payments");

// Millisecond precision, so a timestamp survives the round trip through a JS Date (list cursors rely on it).
const at = () => timestamp({ withTimezone: true, precision: 3 });
const createdAt = () => at().notNull().defaultNow();

/**
 * One row per idempotency key a user presented. `(user_id, key)` is unique, so among concurrent
 * duplicates exactly one insert wins and owns the request; the others read its state.
 */
export const idempotencyKeys = paymentsSchema.table(
  "idempotency_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid().notNull(),
    key: text().notNull(),
    operation: text().$type<"charge" | "refund">().notNull(),
    /** sha256 of the operation and its parameters: same key + other parameters is a CONFLICT. */
    fingerprint: text().notNull(),
    state: text().$type<"in_flight" | "completed">().notNull().default("in_flight"),
    /** Which attempt owns an in-flight key; changes when a retry resumes an abandoned one. */
    lockToken: uuid().notNull(),
    lockedUntil: at().notNull(),
    /**
     * What the attempt asks the processor for (charges), stored with the claim before the processor
     * is called: input Postgres cannot store fails here, before money moves, and a charge whose
     * recording failed can be finished from it (reconciler.ts).
     */
    request: jsonb().$type<Record<string, string | number | null>>(),
    /** The original answer, replayed to every duplicate. */
    response: jsonb().$type<unknown>(),
    createdAt: createdAt(),
    completedAt: at(),
  },
  (t) => [
    unique("idempotency_keys_user_key").on(t.userId, t.key),
    index().on(t.createdAt),
    // The reconciler's look-up of abandoned work.
    index("idempotency_keys_in_flight").on(t.lockedUntil).where(sql`${t.state} = 'in_flight'`),
    check("idempotency_keys_state", sql`${t.state} in ('in_flight', 'completed')`),
    check("idempotency_keys_completed", sql`(${t.state} = 'completed') = (${t.response} is not null)`),
  ],
);

export const payments = paymentsSchema.table(
  "payments",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid().notNull(),
    /** At most one payment per idempotency key row, whatever happens in the application. */
    idempotencyKeyId: uuid().notNull().unique("payments_idempotency_key_id_key"),
    amount: integer().notNull(),
    currency: text().notNull(),
    status: text().$type<"succeeded" | "failed">().notNull(),
    failureCode: text().$type<"card_declined" | "insufficient_funds">(),
    amountRefunded: integer().notNull().default(0),
    description: text(),
    processor: text().notNull(),
    processorRef: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("payments_user_created_id").on(t.userId, t.createdAt.desc(), t.id.desc()),
    check("payments_amount", sql`${t.amount} > 0`),
    check("payments_status", sql`${t.status} in ('succeeded', 'failed')`),
    check("payments_failure", sql`(${t.status} = 'failed') = (${t.failureCode} is not null)`),
    check("payments_refunded", sql`${t.amountRefunded} >= 0 and ${t.amountRefunded} <= ${t.amount}`),
    check("payments_refund_only_succeeded", sql`${t.status} = 'succeeded' or ${t.amountRefunded} = 0`),
  ],
);

export const refunds = paymentsSchema.table(
  "refunds",
  {
    id: uuid().primaryKey().defaultRandom(),
    paymentId: uuid()
      .notNull()
      .references(() => payments.id),
    userId: uuid().notNull(),
    idempotencyKeyId: uuid().notNull().unique("refunds_idempotency_key_id_key"),
    amount: integer().notNull(),
    processorRef: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.paymentId), check("refunds_amount", sql`${t.amount} > 0`)],
);

/**
 * Double-entry ledger: each money movement is one transaction of lines summing to zero. A line's
 * amount is what its account gained (positive) or gave (negative), in the payment's currency.
 */
export const ledgerEntries = paymentsSchema.table(
  "ledger_entries",
  {
    id: uuid().primaryKey().defaultRandom(),
    transactionId: uuid().notNull(),
    kind: text().$type<"charge" | "refund">().notNull(),
    account: text().$type<"customer_funding" | "platform_revenue">().notNull(),
    amount: bigint({ mode: "number" }).notNull(),
    currency: text().notNull(),
    paymentId: uuid()
      .notNull()
      .references(() => payments.id),
    refundId: uuid().references(() => refunds.id),
    createdAt: createdAt(),
  },
  (t) => [
    index().on(t.transactionId),
    index().on(t.paymentId),
    check("ledger_entries_amount", sql`${t.amount} <> 0`),
    check("ledger_entries_kind", sql`${t.kind} in ('charge', 'refund')`),
    check("ledger_entries_account", sql`${t.account} in ('customer_funding', 'platform_revenue')`),
    check("ledger_entries_refund", sql`(${t.kind} = 'refund') = (${t.refundId} is not null)`),
  ],
);

export const outbox = outboxTable(paymentsSchema);
