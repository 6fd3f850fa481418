import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (package `chromium`); browser tests never download one. */
export const chromiumPath = "/usr/bin/chromium";

/** Whether browser tests can run here; when not, says which test is skipped and how to enable it. */
export function chromiumAvailable(testName: string): boolean {
  if (existsSync(chromiumPath)) return true;
  console.warn(`${testName} skipped: ${chromiumPath} is missing (apt-get install -y chromium)`);
  return false;
}

/** Headless Chromium with the flags this sandbox needs (no sandbox, no background network traffic). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
