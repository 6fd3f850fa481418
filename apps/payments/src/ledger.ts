import type { PaymentsTx } from "./db.ts";
import { ledgerEntries } from "./schema.ts";

interface Movement {
  paymentId: string;
  amount: number;
  currency: string;
}

/** Books a succeeded charge: the customer's funding source pays the platform. Returns the transaction id. */
export async function bookCharge(
  tx: PaymentsTx,
  m: { id: string; amount: number; currency: string },
): Promise<string> {
  const transactionId = crypto.randomUUID();
  const line = { transactionId, kind: "charge", currency: m.currency, paymentId: m.id } as const;
  await tx.insert(ledgerEntries).values([
    { ...line, account: "customer_funding", amount: -m.amount },
    { ...line, account: "platform_revenue", amount: m.amount },
  ]);
  return transactionId;
}

/** Books a refund: the platform pays the customer's funding source back. Returns the transaction id. */
export async function bookRefund(tx: PaymentsTx, m: Movement & { refundId: string }): Promise<string> {
  const transactionId = crypto.randomUUID();
  const line = {
    transactionId,
    kind: "refund",
    currency: m.currency,
    paymentId: m.paymentId,
    refundId: m.refundId,
  } as const;
  await tx.insert(ledgerEntries).values([
    { ...line, account: "platform_revenue", amount: -m.amount },
    { ...line, account: "customer_funding", amount: m.amount },
  ]);
  return transactionId;
}
