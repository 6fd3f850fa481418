import { sql } from "drizzle-orm";
import type { PaymentsDb } from "./db.ts";

/** One broken rule, with the rows that break it (capped). */
export interface Violation {
  rule: string;
  rows: unknown[];
}

// Each query returns the rows that break its rule; an empty result means the rule holds.
const rules: Record<string, ReturnType<typeof sql>> = {
  "every ledger transaction sums to zero in one currency": sql`
    select transaction_id, sum(amount)::text as total, count(distinct currency)::int as currencies
    from payments.ledger_entries group by transaction_id
    having sum(amount) <> 0 or count(distinct currency) <> 1 limit 20`,
  "ledger lines carry their payment's currency": sql`
    select l.id, l.currency, p.currency as payment_currency from payments.ledger_entries l
    join payments.payments p on p.id = l.payment_id where l.currency <> p.currency limit 20`,
  "a succeeded payment has exactly one charge transaction of its amount; a failed one has none": sql`
    select p.id, p.status, p.amount, coalesce(c.revenue, 0)::text as revenue, coalesce(c.txs, 0)::int as txs
    from payments.payments p
    left join (select payment_id, sum(amount) filter (where account = 'platform_revenue') as revenue,
                      count(distinct transaction_id) as txs
               from payments.ledger_entries where kind = 'charge' group by payment_id) c on c.payment_id = p.id
    where (p.status = 'succeeded' and (c.revenue is distinct from p.amount::bigint or c.txs <> 1))
       or (p.status = 'failed' and c.payment_id is not null) limit 20`,
  "amountRefunded equals the sum of the payment's refunds and never exceeds its amount": sql`
    select p.id, p.amount, p.amount_refunded, coalesce(sum(r.amount), 0)::text as refunds
    from payments.payments p left join payments.refunds r on r.payment_id = p.id
    group by p.id having p.amount_refunded <> coalesce(sum(r.amount), 0) or p.amount_refunded > p.amount
    limit 20`,
  "each refund is one ledger transaction moving exactly its amount back": sql`
    select r.id, r.amount, coalesce(l.back, 0)::text as back, coalesce(l.txs, 0)::int as txs
    from payments.refunds r
    left join (select refund_id, sum(amount) filter (where account = 'customer_funding') as back,
                      count(distinct transaction_id) as txs
               from payments.ledger_entries where kind = 'refund' group by refund_id) l on l.refund_id = r.id
    where l.back is distinct from r.amount::bigint or l.txs <> 1 limit 20`,
  // Aggregate first, then join: grouping the joined rows by payment degrades to a nested loop.
  "platform revenue per payment equals amount minus refunds": sql`
    select p.id, p.amount, p.amount_refunded, coalesce(l.revenue, 0)::text as revenue
    from payments.payments p
    left join (select payment_id, sum(amount) as revenue from payments.ledger_entries
               where account = 'platform_revenue' group by payment_id) l on l.payment_id = p.id
    where p.status = 'succeeded' and coalesce(l.revenue, 0) <> p.amount - p.amount_refunded limit 20`,
};

/** Checks every ledger invariant in one consistent snapshot; returns the violations (none when healthy). */
export async function checkLedger(db: PaymentsDb): Promise<Violation[]> {
  return db.transaction(
    async (tx) => {
      const violations: Violation[] = [];
      for (const [rule, query] of Object.entries(rules)) {
        const rows = await tx.execute(query);
        if (rows.length > 0) violations.push({ rule, rows: [...rows] });
      }
      return violations;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
