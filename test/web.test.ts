import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchChromium } from "./support/browser.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// The example web app (apps/web), served by the gateway at /app/, driven in a real headless Chromium
// (Debian's `chromium` package; never downloaded here). The tests run in order and share one user.
const haveChromium = chromiumAvailable("web app browser test");

const artifacts = join(import.meta.dir, "..", "test-artifacts", "web");
const letters = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "abcdefghij"[b % 10]).join("");
const name = `Xylo${letters()} Webtest`;
const email = uniqueEmail("web");
const password = "correct horse battery";

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!haveChromium) return;
  const build = Bun.spawnSync(["bun", "apps/web/build.ts"], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`web build failed: ${build.stderr.toString()}`);
  mkdirSync(artifacts, { recursive: true });
  [stack, browser] = await Promise.all([
    Stack.start({ services: ["users", "payments", "notifications", "search"] }),
    launchChromium(),
  ]);
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  page.setDefaultTimeout(10_000);
}, 45_000);

afterAll(async () => {
  await browser?.close();
  await stack?.[Symbol.asyncDispose]();
});

const shot = (file: string) => page.screenshot({ path: join(artifacts, file), fullPage: true });
const text = (selector: string) => page.locator(selector).first().textContent();
/** Waits until the element's text satisfies `ok` (the page updates itself; the test never reloads it). */
async function waitForText(selector: string, ok: (text: string) => boolean): Promise<string> {
  let last: string | null = null;
  for (let i = 0; i < 100; i += 1) {
    last = await page
      .locator(selector)
      .first()
      .textContent({ timeout: 100 })
      .catch(() => null);
    if (last !== null && ok(last)) return last;
    await Bun.sleep(100);
  }
  throw new Error(`${selector} never satisfied the check; last text: ${last}`);
}
const screen = (label: string) =>
  page.locator("nav").getByRole("button", { name: label, exact: true }).click();
const payButton = () => page.locator("form button[type=submit]");
/** A typed client signed in as the browser's user, to check what the server really holds. */
async function apiAsUser() {
  const session = await stack.client().users.signIn.mutate({ email, password });
  return stack.client(() => session.accessToken);
}

describe.skipIf(!haveChromium)("web app", () => {
  test("sign up; the welcome notification reaches the bell without a reload", async () => {
    const response = await page.goto(`${stack.url}/app/`);
    expect(response?.headers()["content-type"]).toContain("text/html");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create an account" }).click();
    // Validation errors appear next to their field.
    expect(await waitForText('[data-field-error="email"]', (t) => t.length > 0)).toBeTruthy();
    await shot("sign-up.png");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").press("Enter"); // keyboard submit
    expect(await waitForText('[data-testid="signed-in-as"]', (t) => t.length > 0)).toBe(name);
    await waitForText('[data-testid="unread-count"]', (t) => t === "1");
    await page.locator(".bell").click();
    expect(await page.locator('#notification-panel li[data-kind="welcome"]').count()).toBe(1);
    await shot("dashboard-bell.png");
    await page.locator(".bell").click();
  }, 20_000);

  test("pay with tok_visa: the receipt arrives live and the payment is in the history", async () => {
    await screen("Pay");
    await page.getByLabel("Amount").fill("12.50");
    await page.getByLabel("Card (sandbox test token)").selectOption("tok_visa");
    await payButton().click();
    expect(await waitForText('[data-testid="payment-result"]', (t) => t.startsWith("Paid"))).toBe(
      "Paid 12.50 USD.",
    );
    await waitForText('[data-testid="unread-count"]', (t) => t === "2");
    await shot("pay.png");
    await screen("History");
    expect(await waitForText("tbody tr td:nth-child(2)", (t) => t.length > 0)).toBe("12.50 USD");
    expect(await text('tbody tr td[data-field="status"]')).toBe("succeeded");
  }, 20_000);

  test("a double click on Pay charges once", async () => {
    await screen("Pay");
    const charges: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("payments.charge")) charges.push(r.url());
    });
    await page.getByLabel("Amount").fill("7.00");
    await payButton().dblclick();
    await waitForText('[data-testid="payment-result"]', (t) => t === "Paid 7.00 USD.");
    expect(charges).toHaveLength(1);
    const { items } = await (await apiAsUser()).payments.list.query({ limit: 100 });
    expect(items.filter((p) => p.amount === 700)).toHaveLength(1);
  }, 20_000);

  test("pay with tok_chargeDeclined: a clear failure message", async () => {
    await page.getByLabel("Amount").fill("3.00");
    await page.getByLabel("Card (sandbox test token)").selectOption("tok_chargeDeclined");
    await payButton().click();
    expect(await waitForText('[data-testid="payment-result"]', (t) => t.startsWith("Payment failed"))).toBe(
      "Payment failed: the card was declined. No money was taken.",
    );
    await shot("pay-declined.png");
  }, 20_000);

  test("refund from the history", async () => {
    await screen("History");
    const row = page.locator("tbody tr", { hasText: "12.50 USD" });
    await row.getByRole("button", { name: "Refund" }).click();
    await row.getByRole("button", { name: "Refund" }).waitFor({ state: "detached" });
    expect(await row.locator("td:nth-child(4)").textContent()).toBe("12.50 USD");
    // The refund receipt arrives live too (welcome, 2 charge receipts, 1 failure, 1 refund).
    await waitForText('[data-testid="unread-count"]', (t) => t === "5");
    await page.locator(".bell").click();
    await shot("history.png");
    await page.keyboard.press("Escape");
    await page.locator("#notification-panel").waitFor({ state: "detached" });
  }, 20_000);

  test("history pages through older payments", async () => {
    const api = await apiAsUser();
    for (const amount of [101, 102, 103])
      await api.payments.charge.mutate({
        amount,
        currency: "EUR",
        source: "tok_visa",
        idempotencyKey: crypto.randomUUID(),
      });
    await screen("Pay");
    await screen("History"); // reopened: loads the first page again
    await waitForText("tbody tr td:nth-child(2)", (t) => t === "1.03 EUR");
    expect(await page.locator("tbody tr").count()).toBe(5);
    await page.getByRole("button", { name: "Older" }).click();
    await waitForText("tbody tr td:nth-child(2)", (t) => t === "12.50 USD");
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Older" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Newer" }).click();
    await waitForText("tbody tr td:nth-child(2)", (t) => t === "1.03 EUR");
  }, 20_000);

  test("search finds the user by a prefix of their name", async () => {
    await screen("Search");
    const box = page.getByLabel("Search people and your payments");
    const prefix = name.slice(0, 7);
    // Search is fed by events (eventually consistent): type again until the index has caught up.
    let found = 0;
    for (let attempt = 0; attempt < 20 && found === 0; attempt += 1) {
      await box.fill("");
      await box.pressSequentially(prefix, { delay: 20 });
      await page.waitForSelector(".hits, main p:has-text('No results')");
      found = await page.locator('.hits li[data-type="user"]', { hasText: name }).count();
    }
    expect(found).toBe(1);
    expect(await text(".hits mark")).toBeTruthy();
    await shot("search.png");
  }, 30_000);

  test("profile edit shows field errors, then saves", async () => {
    await screen("Profile");
    await page.getByLabel("Name").fill("   ");
    await page.getByRole("button", { name: "Save profile" }).click();
    expect(await waitForText('[data-field-error="name"]', (t) => t.length > 0)).toBeTruthy();
    await page.getByLabel("Name").fill(`${name} Jr`);
    await page.getByRole("button", { name: "Save profile" }).click();
    await waitForText('[data-testid="signed-in-as"]', (t) => t === `${name} Jr`);
    await shot("profile.png");
  }, 20_000);

  test("sign out, then sign in again with the keyboard", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "I already have an account" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong password!");
    await page.getByLabel("Password").press("Enter");
    expect(await waitForText('[role="alert"]', (t) => t.length > 0)).toBeTruthy();
    await page.getByLabel("Password").fill(password);
    await page.getByLabel("Password").press("Enter");
    await waitForText('[data-testid="signed-in-as"]', (t) => t === `${name} Jr`);
    await waitForText('[data-testid="unread-count"]', (t) => /^\d+$/.test(t));
  }, 20_000);

  test("with notifications stopped, the dashboard shows it degraded and the rest works", async () => {
    await screen("Dashboard");
    await waitForText('[data-testid="overview-payments"]', (t) => t.includes("7.00 USD"));
    expect(await page.locator('[data-testid="degraded"]').count()).toBe(0);
    await stack.stopService("notifications");
    await page.getByRole("button", { name: "Refresh" }).click();
    expect(await waitForText('[data-testid="degraded"]', (t) => t.length > 0)).toContain("notifications");
    expect(await text('[data-testid="overview-unread"]')).toBe("unavailable");
    expect(await text('[data-testid="overview-payments"]')).toContain("1.03 EUR succeeded");
    await shot("dashboard-degraded.png");
    // Payments still work from the browser.
    await screen("Pay");
    await page.getByLabel("Card (sandbox test token)").selectOption("tok_mastercard");
    await page.getByLabel("Amount").fill("1.00");
    await payButton().click();
    await waitForText('[data-testid="payment-result"]', (t) => t === "Paid 1.00 USD.");
  }, 20_000);
});
