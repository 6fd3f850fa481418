import { uuidArray } from "@portico/kit/db";
import { type SQL, sql } from "drizzle-orm";
import type { PaymentsDb } from "./db.ts";

/** One broken rule, with the rows that break it (capped). */
export interface Violation {
  rule: string;
  rows: unknown[];
}

/** The rows a check looks at: the whole schema, or payments made since a moment and what hangs off them. */
interface Sources {
  p: SQL;
  l: SQL;
  r: SQL;
}

const wholeSchema: Sources = {
  p: sql`payments.payments`,
  l: sql`payments.ledger_entries`,
  r: sql`payments.refunds`,
};

/**
 * The sources of the given payments only. The ids go as one uuid[] parameter: `= any(array)` is
 * planned by key (or as a hashed list), where a set-returning subquery was planned blind.
 */
function sourcesOf(paymentIds: string[]): Sources {
  const ids = uuidArray(paymentIds);
  return {
    p: sql`(select * from payments.payments where id = any(${ids}))`,
    l: sql`(select * from payments.ledger_entries where payment_id = any(${ids}))`,
    r: sql`(select * from payments.refunds where payment_id = any(${ids}))`,
  };
}

// Each query returns the rows that break its rule; an empty result means the rule holds.
const rules: Record<string, (s: Sources) => SQL> = {
  "every ledger transaction sums to zero in one currency": ({ l }) => sql`
    select transaction_id, sum(amount)::text as total, count(distinct currency)::int as currencies
    from ${l} l group by transaction_id
    having sum(amount) <> 0 or count(distinct currency) <> 1 limit 20`,
  "ledger lines carry their payment's currency": ({ l, p }) => sql`
    select l.id, l.currency, p.currency as payment_currency from ${l} l
    join ${p} p on p.id = l.payment_id where l.currency <> p.currency limit 20`,
  "a succeeded payment has exactly one charge transaction of its amount; a failed one has none": ({
    l,
    p,
  }) => sql`
    select p.id, p.status, p.amount, coalesce(c.revenue, 0)::text as revenue, coalesce(c.txs, 0)::int as txs
    from ${p} p
    left join (select payment_id, sum(amount) filter (where account = 'platform_revenue') as revenue,
                      count(distinct transaction_id) as txs
               from ${l} l where kind = 'charge' group by payment_id) c on c.payment_id = p.id
    where (p.status = 'succeeded' and (c.revenue is distinct from p.amount::bigint or c.txs <> 1))
       or (p.status = 'failed' and c.payment_id is not null) limit 20`,
  "amountRefunded equals the sum of the payment's refunds and never exceeds its amount": ({ p, r }) => sql`
    select p.id, p.amount, p.amount_refunded, coalesce(sum(r.amount), 0)::text as refunds
    from ${p} p left join ${r} r on r.payment_id = p.id
    group by p.id, p.amount, p.amount_refunded
    having p.amount_refunded <> coalesce(sum(r.amount), 0) or p.amount_refunded > p.amount
    limit 20`,
  "each refund is one ledger transaction moving exactly its amount back": ({ l, r }) => sql`
    select r.id, r.amount, coalesce(l.back, 0)::text as back, coalesce(l.txs, 0)::int as txs
    from ${r} r
    left join (select refund_id, sum(amount) filter (where account = 'customer_funding') as back,
                      count(distinct transaction_id) as txs
               from ${l} l where kind = 'refund' group by refund_id) l on l.refund_id = r.id
    where l.back is distinct from r.amount::bigint or l.txs <> 1 limit 20`,
  // Aggregate first, then join: grouping the joined rows by payment degrades to a nested loop.
  "platform revenue per payment equals amount minus refunds": ({ l, p }) => sql`
    select p.id, p.amount, p.amount_refunded, coalesce(l.revenue, 0)::text as revenue
    from ${p} p
    left join (select payment_id, sum(amount) as revenue from ${l} l
               where account = 'platform_revenue' group by payment_id) l on l.payment_id = p.id
    where p.status = 'succeeded' and coalesce(l.revenue, 0) <> p.amount - p.amount_refunded limit 20`,
};

/**
 * Checks every ledger invariant in one consistent snapshot; returns the violations (none when
 * healthy). With `since`, only payments created from then on and their refunds and ledger lines
 * are checked (tests check what they wrote, however large the schema has grown).
 */
export async function checkLedger(db: PaymentsDb, opts: { since?: Date } = {}): Promise<Violation[]> {
  return db.transaction(
    async (tx) => {
      let sources = wholeSchema;
      if (opts.since) {
        // Scope first, in this snapshot, so each rule reads the payments it checks by key.
        const recent = await tx.execute<{ id: string }>(
          sql`select id from payments.payments where created_at >= ${opts.since.toISOString()}::timestamptz`,
        );
        sources = sourcesOf(recent.map((row) => row.id));
      }
      const violations: Violation[] = [];
      for (const [rule, query] of Object.entries(rules)) {
        const rows = await tx.execute(query(sources));
        if (rows.length > 0) violations.push({ rule, rows: [...rows] });
      }
      return violations;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
