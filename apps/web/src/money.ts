import type { RouterInputs } from "@portico/client";

export type Currency = RouterInputs["payments"]["charge"]["currency"];
export const currencies: Currency[] = ["USD", "EUR", "GBP", "JPY"];
const exponent: Record<Currency, number> = { USD: 2, EUR: 2, GBP: 2, JPY: 0 };

/** Minor units (cents) from what the user typed ("12.50"), or null if it is not an amount. */
export function toMinorUnits(text: string, currency: Currency): number | null {
  const digits = exponent[currency];
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(text.trim())) return null;
  return Math.round(Number(text) * 10 ** digits);
}

/** An amount in minor units as the user reads it: `12.50 USD`. */
export function formatMoney(amount: number, currency: string): string {
  const digits = exponent[currency as Currency] ?? 2;
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
}
