import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isPorticoError, type PorticoClient } from "@portico/client";
import { Stack, uniqueEmail } from "./support/stack.ts";
import { StandIns } from "./support/standIn.ts";

// me.overview coordination, breakers seen from outside, system.health, metrics, tracing and request
// guards, through a real gateway. Payments and notifications are stand-ins served on real NATS.
const PART_TIMEOUT_MS = 400;
let stack: Stack;
let standIns: StandIns;
let client: PorticoClient;
let token = "";

async function metric(line: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

beforeAll(async () => {
  stack = await Stack.start({
    services: ["users"],
    env: {
      LOG_LEVEL: "debug",
      PART_TIMEOUT_MS: String(PART_TIMEOUT_MS),
      // Far longer than a part's budget: an answer well before this proves the part deadline held.
      REQUEST_TIMEOUT_MS: "15000",
      HEALTH_WAIT_MS: "150",
      BREAKER_FAILURE_THRESHOLD: "3",
      BREAKER_OPEN_MS: "300",
      MAX_BODY_BYTES: "2048",
      MAX_JSON_DEPTH: "8",
    },
  });
  await stack.startService("users");
  standIns = await StandIns.start(stack);
  client = stack.client(() => token);
  const session = await client.users.signUp.mutate({
    email: uniqueEmail("overview"),
    password: "correct horse",
    name: "Ovid",
  });
  token = session.accessToken;
});

afterAll(async () => {
  await standIns?.[Symbol.asyncDispose]();
  await stack?.[Symbol.asyncDispose]();
});

describe("gateway coordination and health", () => {
  test("system.health counts each service's instances", async () => {
    const health = await client.system.health.query();
    expect(health.services.users).toMatchObject({ status: "ok", instances: 2 });
    expect(health.services.payments).toMatchObject({ status: "ok", instances: 1 });
    expect(health.services.notifications).toMatchObject({ status: "ok", instances: 1 });
    expect(health.services.search).toMatchObject({ status: "down", instances: 0, latencyMs: null });
    expect(health.status).toBe("degraded");
  });

  test("me.overview gathers every part when all services answer", async () => {
    const overview = await client.me.overview.query();
    expect(overview.user.name).toBe("Ovid");
    expect(overview.recentPayments).toEqual([]);
    expect(overview.unreadNotifications).toBe(standIns.unread);
    expect(overview.degraded).toEqual([]);
  });

  test("a hanging notifications service costs one part deadline, not the request's", async () => {
    standIns.mode.notifications = "hang";
    const { value, ms } = await timed(() => client.me.overview.query());
    standIns.mode.notifications = "answer";
    expect(value.unreadNotifications).toBeNull();
    expect(value.degraded).toEqual(["notifications"]);
    expect(value.recentPayments).toEqual([]);
    // Loose bound: the part deadline (400 ms) and not the 15 s request budget decided when it answered.
    expect(ms).toBeLessThan(PART_TIMEOUT_MS + 2000);
  });

  test("payments killed: its part is null, its breaker opens, then closes once it is back", async () => {
    await standIns.kill("payments");
    const overview = await client.me.overview.query();
    expect(overview.recentPayments).toBeNull();
    expect(overview.degraded).toEqual(["payments"]);
    expect(overview.unreadNotifications).toBe(standIns.unread);
    // One call and its two retries were three failures: the breaker is open (2) and fails fast.
    expect(await metric('gateway_breaker_state{service="payments"}')).toBe(2);
    const rejected = (await metric('gateway_breaker_rejections_total{service="payments"}')) ?? 0;
    expect((await client.me.overview.query()).degraded).toEqual(["payments"]);
    expect(await metric('gateway_breaker_rejections_total{service="payments"}')).toBe(rejected + 1);

    await standIns.serve("payments");
    await Bun.sleep(350); // BREAKER_OPEN_MS: the next call is the half-open probe
    const recovered = await client.me.overview.query();
    expect(recovered.degraded).toEqual([]);
    expect(recovered.recentPayments).toEqual([]);
    expect(await metric('gateway_breaker_state{service="payments"}')).toBe(0);
  });

  test("metrics count procedures, errors by code and service call latency", async () => {
    const before = (await metric('gateway_requests_total{procedure="users.me",code="OK"}')) ?? 0;
    const calls =
      (await metric('gateway_service_call_duration_seconds_count{service="users",outcome="ok"}')) ?? 0;
    await client.users.me.query();
    const anonymous = stack.client();
    await expect(anonymous.users.me.query()).rejects.toThrow();
    expect(await metric('gateway_requests_total{procedure="users.me",code="OK"}')).toBe(before + 1);
    expect(await metric('gateway_requests_total{procedure="users.me",code="UNAUTHORIZED"}')).toBeGreaterThan(
      0,
    );
    expect(await metric('gateway_service_call_duration_seconds_count{service="users",outcome="ok"}')).toBe(
      calls + 1,
    );
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    for (const name of [
      "gateway_request_duration_seconds_bucket",
      "gateway_rate_limit_rejections_total",
      "gateway_rate_limit_fallback_total",
      "gateway_bulkhead_rejections_total",
    ])
      expect(text).toContain(name);
  });

  test("traceparent and request id travel from the gateway to the service's log lines", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const requestId = `trace-test-${crypto.randomUUID().slice(0, 8)}`;
    const res = await fetch(`${stack.url}/trpc/users.me`, {
      headers: {
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${"ab".repeat(8)}-01`,
        "x-request-id": requestId,
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    await Bun.sleep(100); // log lines arrive through pipes
    const entries = stack
      .logLines()
      .filter((l) => l.includes(traceId))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const services = new Set(entries.map((e) => e.service));
    expect(services).toEqual(new Set(["gateway", "users"]));
    for (const entry of entries) {
      expect(entry.traceId).toBe(traceId);
      expect(entry.requestId).toBe(requestId);
    }
  });

  test("oversized or deeply nested input is refused with a tRPC error, and the gateway stays up", async () => {
    const big = await fetch(`${stack.url}/trpc/users.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@example.test", password: "x".repeat(5000) }),
    });
    expect(big.status).toBe(413);
    const bigBody = (await big.json()) as { error: { data: { code: string } } };
    expect(bigBody.error.data.code).toBe("PAYLOAD_TOO_LARGE");

    // Streamed without a declared length (chunked): read only up to the limit, then refused.
    const chunk = new TextEncoder().encode(`{"email":"a@example.test","password":"${"y".repeat(4000)}`);
    const streamed = await fetch(`${stack.url}/trpc/users.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 40; i += 1) controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        },
      }),
    });
    expect(streamed.status).toBe(413);

    const deep = `${"[".repeat(50)}${"]".repeat(50)}`;
    const nested = await fetch(`${stack.url}/trpc/users.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@example.test", password: JSON.parse(deep) }),
    });
    expect(nested.status).toBe(400);
    const viaQuery = await fetch(`${stack.url}/trpc/users.get?input=${encodeURIComponent(deep)}`);
    expect(viaQuery.status).toBe(400);

    try {
      await client.users.updateProfile.mutate({ name: "n".repeat(3000) });
      throw new Error("expected a refusal");
    } catch (error) {
      expect(isPorticoError(error, "PAYLOAD_TOO_LARGE")).toBe(true);
    }
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await client.users.me.query()).name).toBe("Ovid");
  });

  test("users down: me.overview fails with SERVICE_UNAVAILABLE", async () => {
    await stack.stopService("users");
    try {
      await client.me.overview.query();
      throw new Error("expected SERVICE_UNAVAILABLE");
    } catch (error) {
      expect(isPorticoError(error, "SERVICE_UNAVAILABLE")).toBe(true);
    }
  });
});
