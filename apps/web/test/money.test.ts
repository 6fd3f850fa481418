import { expect, test } from "bun:test";
import { formatMoney, toMinorUnits } from "../src/money.ts";

test("amounts typed by people become minor units by the currency's exponent", () => {
  expect(toMinorUnits("12.50", "USD")).toBe(1250);
  expect(toMinorUnits("12.5", "EUR")).toBe(1250);
  expect(toMinorUnits("0.07", "GBP")).toBe(7);
  expect(toMinorUnits("1500", "JPY")).toBe(1500);
  expect(toMinorUnits("15.5", "JPY")).toBeNull();
  expect(toMinorUnits("1.234", "USD")).toBeNull();
  expect(toMinorUnits("-3", "USD")).toBeNull();
  expect(toMinorUnits("abc", "USD")).toBeNull();
});

test("minor units are shown with the currency's decimals", () => {
  expect(formatMoney(1250, "USD")).toBe("12.50 USD");
  expect(formatMoney(1500, "JPY")).toBe("1500 JPY");
});
