import {
  type Currency,
  currencyExponent,
  type EventPayload,
  type NotificationKind,
  type paymentEvents,
  type userEvents,
} from "@portico/contracts";
import type { z } from "zod";

/** A notification's content, before it is stored. */
export interface Rendered {
  kind: z.infer<typeof NotificationKind>;
  title: string;
  body: string;
  data: Record<string, unknown>;
}

// Building a formatter costs far more than formatting with it: one per currency, made on first use.
const formatters = new Map<Currency, Intl.NumberFormat>();

/** Integer minor units as money in its currency: 1999 USD → "$19.99", 1999 JPY → "¥1,999". */
export function formatMoney(amount: number, currency: Currency): string {
  const digits = currencyExponent[currency];
  let format = formatters.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(currency, format);
  }
  return format.format(amount / 10 ** digits);
}

const failureText = {
  card_declined: "Your card was declined.",
  insufficient_funds: "Your card has insufficient funds.",
} as const;

const forWhat = (description: string | null) => (description ? ` for “${description}”` : "");

/** `welcome`, on sign-up. */
export function welcome(p: EventPayload<typeof userEvents.created>): Rendered {
  return {
    kind: "welcome",
    title: `Welcome to Portico, ${p.name}!`,
    body: "Your account is ready. Notifications about your account and payments will appear here.",
    data: { userId: p.userId },
  };
}

type Succeeded = EventPayload<typeof paymentEvents.succeeded>;
type Failed = EventPayload<typeof paymentEvents.failed>;
type Refunded = EventPayload<typeof paymentEvents.refunded>;

const paymentData = (p: Succeeded) => ({ paymentId: p.paymentId, amount: p.amount, currency: p.currency });

/** Receipt of a successful charge. */
export function paymentSucceeded(p: Succeeded): Rendered {
  const money = formatMoney(p.amount, p.currency);
  return {
    kind: "payment.succeeded",
    title: `Payment of ${money} succeeded`,
    body: `You paid ${money}${forWhat(p.description)}.`,
    data: paymentData(p),
  };
}

/** Notice of a declined charge, saying why. */
export function paymentFailed(p: Failed): Rendered {
  const money = formatMoney(p.amount, p.currency);
  return {
    kind: "payment.failed",
    title: `Payment of ${money} failed`,
    body: `Your payment of ${money}${forWhat(p.description)} did not go through. ${failureText[p.failureCode]}`,
    data: { ...paymentData(p), failureCode: p.failureCode },
  };
}

/** Receipt of a (partial) refund. */
export function paymentRefunded(p: Refunded): Rendered {
  const refund = formatMoney(p.refundAmount, p.currency);
  const total = formatMoney(p.amountRefunded, p.currency);
  return {
    kind: "payment.refunded",
    title: `Refund of ${refund}`,
    body: `${refund} of your ${formatMoney(p.amount, p.currency)} payment${forWhat(p.description)} was refunded (${total} refunded in total).`,
    data: {
      ...paymentData(p),
      refundId: p.refundId,
      refundAmount: p.refundAmount,
      amountRefunded: p.amountRefunded,
    },
  };
}
