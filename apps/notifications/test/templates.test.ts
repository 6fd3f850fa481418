import { expect, test } from "bun:test";
import { decodeCursor, encodeCursor } from "../src/cursor.ts";
import { formatMoney, paymentFailed } from "../src/templates.ts";

test("money is formatted by the currency's minor unit", () => {
  expect(formatMoney(1999, "USD")).toBe("$19.99");
  expect(formatMoney(5, "EUR")).toBe("€0.05");
  expect(formatMoney(123456, "GBP")).toBe("£1,234.56");
  expect(formatMoney(1999, "JPY")).toBe("¥1,999");
});

test("a failed payment says why", () => {
  const rendered = paymentFailed({
    paymentId: crypto.randomUUID(),
    userId: crypto.randomUUID(),
    amount: 500,
    currency: "USD",
    description: null,
    occurredAt: new Date().toISOString(),
    failureCode: "insufficient_funds",
  });
  expect(rendered.title).toBe("Payment of $5.00 failed");
  expect(rendered.body).toContain("insufficient funds");
});

test("cursors round-trip and foreign ones are refused", () => {
  expect(decodeCursor(encodeCursor(42))).toBe(42);
  expect(() => decodeCursor("bm90LWEtY3Vyc29y")).toThrow("Invalid cursor");
});
