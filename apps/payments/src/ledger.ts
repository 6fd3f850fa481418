import { newId } from "@portico/kit/db";
import type { PaymentsTx } from "./db.ts";
import { ledgerEntries } from "./schema.ts";

/** One ledger line, ready to insert. */
export type LedgerLine = typeof ledgerEntries.$inferInsert & { id: string };

interface Movement {
  paymentId: string;
  amount: number;
  currency: string;
}

/** The lines of a succeeded charge: the customer's funding source pays the platform. */
export function chargeLines(m: { id: string; amount: number; currency: string }): LedgerLine[] {
  const transactionId = newId();
  const line = { transactionId, kind: "charge", currency: m.currency, paymentId: m.id } as const;
  return [
    { ...line, id: newId(), account: "customer_funding", amount: -m.amount },
    { ...line, id: newId(), account: "platform_revenue", amount: m.amount },
  ];
}

/** Books a refund: the platform pays the customer's funding source back. Returns the transaction id. */
export async function bookRefund(tx: PaymentsTx, m: Movement & { refundId: string }): Promise<string> {
  const transactionId = newId();
  const line = {
    transactionId,
    kind: "refund",
    currency: m.currency,
    paymentId: m.paymentId,
    refundId: m.refundId,
  } as const;
  await tx.insert(ledgerEntries).values([
    { ...line, id: newId(), account: "platform_revenue", amount: -m.amount },
    { ...line, id: newId(), account: "customer_funding", amount: m.amount },
  ]);
  return transactionId;
}
