import type { RouterOutputs } from "@portico/client";
import { useRef, useState } from "react";
import { describeError } from "../errors.ts";
import { formatMoney } from "../money.ts";
import { api } from "../session.ts";

type Payment = RouterOutputs["payments"]["list"]["items"][number];

/** One payment of the history, with a refund button while something is left to refund. */
export function PaymentRow({ payment, onRefunded }: { payment: Payment; onRefunded: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = useRef(crypto.randomUUID()); // one refund attempt per row; reused if the answer was lost
  const refundable = payment.status === "succeeded" && payment.amountRefunded < payment.amount;

  async function refund() {
    setBusy(true);
    setError(null);
    try {
      await api.payments.refund.mutate({ paymentId: payment.id, idempotencyKey: key.current });
      key.current = crypto.randomUUID();
      onRefunded();
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-payment-id={payment.id}>
      <td>{new Date(payment.createdAt).toLocaleString()}</td>
      <td>{formatMoney(payment.amount, payment.currency)}</td>
      <td data-field="status">{payment.failureCode ? `failed (${payment.failureCode})` : payment.status}</td>
      <td>{formatMoney(payment.amountRefunded, payment.currency)}</td>
      <td>
        {refundable && (
          <button type="button" onClick={refund} disabled={busy}>
            Refund
          </button>
        )}
        {error && (
          <span role="alert" className="error">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
