import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Stack, uniqueEmail } from "./support/stack.ts";

// Rate limits at the gateway: token buckets in NATS JetStream KV shared by every instance.
let stack: Stack;
let direct = ""; // trusts nobody: X-Forwarded-For is ignored
let proxied = ""; // trusts 127.0.0.1 as a proxy

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function get(url: string, path: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/trpc/${path}`, { headers });
}

async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { error?: { data?: { code?: string } } };
  return body.error?.data?.code;
}

async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length).trim()) : 0;
}

beforeAll(async () => {
  stack = await Stack.start({
    services: ["users"],
    env: {
      RATE_LIMIT_AUTH: "6/60s",
      RATE_LIMIT_USER: "3/60s",
      RATE_LIMIT_PUBLIC: "2/2s",
      // Generous, so a busy CI machine never falls back to the per-instance limiter here.
      RATE_LIMIT_STORE_TIMEOUT_MS: "3000",
      HEALTH_WAIT_MS: "20",
    },
  });
  direct = stack.url;
  await stack.startGateway({ TRUSTED_PROXIES: "127.0.0.1" });
  proxied = stack.url;
});

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

describe("gateway rate limits", () => {
  test("authenticated calls are limited per user, not per IP", async () => {
    const tokens: string[] = [];
    for (const ip of ["10.1.1.1", "10.1.1.2"]) {
      const res = await post(
        proxied,
        "users.signUp",
        { email: uniqueEmail("rl"), password: "correct horse", name: "Rate" },
        { "x-forwarded-for": ip },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { result: { data: { accessToken: string } } };
      tokens.push(body.result.data.accessToken);
    }
    const [first, second] = tokens.map((t) => ({ authorization: `Bearer ${t}` }));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await get(i % 2 ? direct : proxied, "users.me", first)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await get(direct, "users.me", second);
    expect(other.status).toBe(200);
    expect(other.headers.get("RateLimit-Limit")).toBe("3");
    expect(other.headers.get("RateLimit-Remaining")).toBe("2");
  });

  test("two gateway instances together admit no more than the limit; spoofed X-Forwarded-For is ignored", async () => {
    const attempts = Array.from({ length: 14 }, (_, i) =>
      i % 2
        ? post(
            direct,
            "users.signIn",
            { email: uniqueEmail("nobody"), password: "wrong-password" },
            {
              "x-forwarded-for": `192.0.2.${i}`,
            },
          )
        : post(proxied, "users.signIn", { email: uniqueEmail("nobody"), password: "wrong-password" }),
    );
    const responses = await Promise.all(attempts);
    const codes = await Promise.all(responses.map(errorCode));
    expect(codes.filter((c) => c === "UNAUTHORIZED")).toHaveLength(6);
    expect(codes.filter((c) => c === "TOO_MANY_REQUESTS")).toHaveLength(8);
    const refused = responses.find((r) => r.status === 429);
    expect(refused?.headers.get("RateLimit-Limit")).toBe("6");
    expect(refused?.headers.get("RateLimit-Remaining")).toBe("0");
    expect(Number(refused?.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(Number(refused?.headers.get("Retry-After"))).toBeLessThanOrEqual(10);

    // Behind a trusted proxy the forwarded address is the client: a different IP, a fresh budget.
    const forwarded = await post(
      proxied,
      "users.signIn",
      { email: uniqueEmail("nobody"), password: "wrong-password" },
      { "x-forwarded-for": "203.0.113.7" },
    );
    expect(await errorCode(forwarded)).toBe("UNAUTHORIZED");

    expect(await metric(direct, 'gateway_rate_limit_rejections_total{group="auth"}')).toBeGreaterThan(0);
    expect(await metric(proxied, 'gateway_rate_limit_rejections_total{group="auth"}')).toBeGreaterThan(0);
    expect(await metric(direct, "gateway_rate_limit_fallback_total")).toBe(0);
    expect(await metric(proxied, "gateway_rate_limit_fallback_total")).toBe(0);
  });

  test("Retry-After says when the next call is admitted", async () => {
    // 2 per 2 s refills one token per second.
    const first = await get(direct, "system.health");
    const second = await get(proxied, "system.health");
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get("RateLimit-Remaining")).toBe("0");
    const refused = await get(direct, "system.health");
    expect(refused.status).toBe(429);
    expect(await errorCode(refused)).toBe("TOO_MANY_REQUESTS");
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBe(1);
    expect(Number(refused.headers.get("RateLimit-Reset"))).toBeLessThanOrEqual(2);
    await Bun.sleep(retryAfter * 1000);
    const again = await get(proxied, "system.health");
    expect(again.status).toBe(200);
  });
});
