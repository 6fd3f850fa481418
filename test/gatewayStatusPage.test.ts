import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchChromium } from "./support/browser.ts";
import { Stack } from "./support/stack.ts";

// GET /status in a real headless Chromium (Debian's `chromium` package; never downloaded here).
const haveChromium = chromiumAvailable("status page browser test");

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  stack = await Stack.start({
    services: ["users"],
    env: { STATUS_REFRESH_SECONDS: "1", HEALTH_WAIT_MS: "100" },
  });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.[Symbol.asyncDispose]();
});

describe.skipIf(!haveChromium)("status page", () => {
  test("renders each service and shows a service going down without a manual reload", async () => {
    // Some traffic, so the users row has a rate and latencies.
    await stack
      .client()
      .users.signIn.mutate({ email: "nobody@example.test", password: "wrong-password" })
      .catch(() => undefined);
    const page = await browser.newPage();
    const response = await page.goto(`${stack.url}/status`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-type"]).toContain("text/html");
    expect(await page.title()).toContain("Portico status");

    const cell = (service: string, field: string) =>
      page.locator(`tr[data-service="${service}"] td[data-field="${field}"]`);
    expect(await page.locator("tbody tr").count()).toBe(4);
    expect(await cell("users", "status").textContent()).toBe("ok");
    expect(await cell("users", "instances").textContent()).toBe("1");
    expect(await cell("users", "breaker").textContent()).toBe("closed");
    expect(await cell("users", "p99").textContent()).toMatch(/ms$/);
    expect(await cell("payments", "status").textContent()).toBe("down");
    expect(await page.locator("#overall").textContent()).toBe("degraded");

    // The page refreshes itself (every second here; the test never reloads it): count its loads
    // from before the stop, since stopping drains for a while, then wait until it shows users down.
    let loads = 0;
    page.on("framenavigated", () => {
      loads += 1;
    });
    await stack.stopService("users");
    let status: string | null = null;
    for (let i = 0; i < 50 && status !== "down"; i += 1) {
      await Bun.sleep(200);
      status = await cell("users", "status")
        .textContent({ timeout: 2000 })
        .catch(() => null);
    }
    expect(status).toBe("down");
    expect(loads).toBeGreaterThan(0);
    expect(await cell("users", "instances").textContent({ timeout: 2000 })).toBe("0");
    expect(await page.locator("#overall").textContent({ timeout: 2000 })).toBe("down");
    await page.close();
  }, 30_000);
});
