import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGatewayEnv } from "../src/env.ts";
import { clientIp } from "../src/http/clientIp.ts";
import { jsonDepth } from "../src/http/guard.ts";
import { serveWebApp } from "../src/http/webApp.ts";
import { quantile } from "../src/observability/callStats.ts";
import { take } from "../src/ratelimit/bucket.ts";
import { kvKey } from "../src/ratelimit/kvStore.ts";

describe("token bucket", () => {
  const rate = { limit: 4, windowMs: 4000 }; // one token per second
  test("admits a burst up to the limit, then refills smoothly, never doubling at an edge", () => {
    let state = null;
    const allowed: boolean[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { decision, next } = take(rate, state, 1000);
      allowed.push(decision.allowed);
      state = next ?? state;
    }
    expect(allowed).toEqual([true, true, true, true, false, false]);
    const refused = take(rate, state, 1000).decision;
    expect(refused).toMatchObject({ remaining: 0, retryAfterMs: 1000, resetMs: 4000 });
    // 1.5 s later: one token back (plus half of the next), not a fresh window of four.
    const later = take(rate, state, 2500);
    expect(later.decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(take(rate, later.next, 2500).decision).toMatchObject({ allowed: false, retryAfterMs: 500 });
  });
});

describe("request guards", () => {
  test("JSON depth ignores brackets inside strings", () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonDepth('"\\"{{{"')).toBe(0);
    expect(jsonDepth("[".repeat(100), 10)).toBe(11);
  });
  test("client IP comes from the socket unless the peer is a trusted proxy", () => {
    expect(clientIp("10.0.0.5", "1.2.3.4", [])).toBe("10.0.0.5");
    expect(clientIp("10.0.0.5", "6.6.6.6, 1.2.3.4", ["10.0.0.5"])).toBe("1.2.3.4");
    expect(clientIp("::ffff:10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", ["10.0.0.5", "10.0.0.9"])).toBe(
      "1.2.3.4",
    );
  });
  test("KV keys keep IPv6 and uuid clients distinct and valid", () => {
    expect(kvKey("auth", "::1")).toBe("auth.__1");
    expect(kvKey("user", "0b0e…")).toMatch(/^user\.[A-Za-z0-9_=-]+$/);
  });
});

describe("config", () => {
  test("rates parse as limit/window and bad ones name the variable", () => {
    const env = loadGatewayEnv({ RATE_LIMIT_AUTH: "5/30s", RATE_LIMIT_USER: "1000/1h" });
    expect(env.RATE_LIMIT_AUTH).toEqual({ limit: 5, windowMs: 30_000 });
    expect(env.RATE_LIMIT_USER).toEqual({ limit: 1000, windowMs: 3_600_000 });
    expect(env.RATE_LIMIT_PUBLIC).toEqual({ limit: 120, windowMs: 60_000 });
    expect(() => loadGatewayEnv({ RATE_LIMIT_AUTH: "lots" })).toThrow(/RATE_LIMIT_AUTH/);
  });
  test("percentiles are nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe("web app files", () => {
  test("serves files inside its folder only, and never fails on a malformed path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portico-web-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(dir, "app.js"), "console.log(1)");
    expect((await serveWebApp(dir, "app.js")).status).toBe(200);
    expect(await (await serveWebApp(dir, "payments")).text()).toContain("<title>app</title>");
    expect((await serveWebApp(dir, "../../etc/passwd")).status).toBe(404);
    expect((await serveWebApp(dir, "..%2f..%2fetc%2fpasswd")).status).toBe(404);
    expect((await serveWebApp(dir, "%E0%A4%A")).status).toBe(404);
    expect((await serveWebApp(dir, "missing.css")).status).toBe(404);
  });
});
