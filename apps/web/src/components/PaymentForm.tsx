import type { RouterOutputs } from "@portico/client";
import { type FormEvent, useRef, useState } from "react";
import { describeError, type Problem } from "../errors.ts";
import { type Currency, currencies, formatMoney, toMinorUnits } from "../money.ts";
import { api } from "../session.ts";
import { ErrorText } from "./ErrorText.tsx";
import { Field } from "./Field.tsx";

type Payment = RouterOutputs["payments"]["charge"];
const sandboxTokens = ["tok_visa", "tok_mastercard", "tok_chargeDeclined", "tok_insufficientFunds"];
const failureText: Record<string, string> = {
  card_declined: "the card was declined",
  insufficient_funds: "the card has insufficient funds",
};

/**
 * Charges a sandbox card. One idempotency key per attempt: the button is disabled while the call is in
 * flight, and a retry after a lost answer reuses the key, so the payment is made at most once.
 */
export function PaymentForm({ onPaid }: { onPaid: () => void }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [result, setResult] = useState<Payment | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ key: string; fingerprint: string } | null>(null);
  const inFlight = useRef(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current) return;
    const form = new FormData(event.currentTarget);
    const currency = String(form.get("currency")) as Currency;
    const source = String(form.get("source"));
    const amount = toMinorUnits(String(form.get("amount") ?? ""), currency);
    setResult(null);
    if (amount === null) {
      setProblem({ message: "", fields: { amount: [`Enter an amount such as 12.50 ${currency}`] } });
      return;
    }
    const fingerprint = `${amount}|${currency}|${source}`;
    if (attempt.current?.fingerprint !== fingerprint)
      attempt.current = { key: crypto.randomUUID(), fingerprint };
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    try {
      const payment = await api.payments.charge.mutate({
        amount,
        currency,
        source,
        idempotencyKey: attempt.current.key,
      });
      attempt.current = null; // answered: the next click is a new payment
      setResult(payment);
      onPaid();
    } catch (error) {
      setProblem(describeError(error)); // keep the key: retrying this attempt cannot charge twice
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="pay-title">
      <h2 id="pay-title">Make a payment</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Amount"
          name="amount"
          inputMode="decimal"
          defaultValue="12.50"
          errors={problem?.fields.amount}
        />
        <label>
          Currency
          <select name="currency" defaultValue="USD">
            {currencies.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Card (sandbox test token)
          <select name="source" defaultValue="tok_visa">
            {sandboxTokens.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <ErrorText message={problem?.message} />
        {result?.status === "succeeded" && (
          <p className="success" role="status" data-testid="payment-result">
            Paid {formatMoney(result.amount, result.currency)}.
          </p>
        )}
        {result?.status === "failed" && (
          <p role="alert" className="error" data-testid="payment-result">
            Payment failed: {failureText[result.failureCode ?? ""] ?? result.failureCode}. No money was taken.
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Paying…" : "Pay"}
        </button>
      </form>
    </section>
  );
}
