import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { Stack, uniqueEmail } from "./support/stack.ts";

// OpenTelemetry export: a small OTLP/HTTP receiver on 127.0.0.1 stands in for a collector.
interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

const received: ReceivedSpan[] = [];
let collector: Server<undefined>;
let stack: Stack;

type OtlpJson = {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{
      spans?: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string }>;
    }>;
  }>;
};

beforeAll(async () => {
  collector = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname !== "/v1/traces") return new Response("no", { status: 404 });
      const body = (await req.json()) as OtlpJson;
      for (const rs of body.resourceSpans ?? []) {
        const service =
          rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "";
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            received.push({
              service,
              name: s.name,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
            });
      }
      return Response.json({});
    },
  });
  stack = await Stack.start({
    services: ["users"],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, LOG_LEVEL: "debug" },
  });
}, 60_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
  await collector?.stop(true);
}, 30_000);

async function spansOf(traceId: string, services: string[]): Promise<ReceivedSpan[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const mine = received.filter((s) => s.traceId === traceId);
    if (services.every((svc) => mine.some((s) => s.service === svc)) || Date.now() > until) return mine;
    await Bun.sleep(100);
  }
}

describe("trace export", () => {
  test("the gateway's span and the service's span of one request form one trace under the caller's", async () => {
    const session = await stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("otel"), password: "password-for-tests", name: "O" });
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const parentSpanId = "00f067aa0ba902b7";
    const response = await fetch(`${stack.url}/trpc/users.me`, {
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        traceparent: `00-${traceId}-${parentSpanId}-01`,
      },
    });
    expect(response.status).toBe(200);

    const spans = await spansOf(traceId, ["gateway", "users"]);
    const gateway = spans.find((s) => s.service === "gateway");
    const users = spans.find((s) => s.service === "users");
    expect(gateway?.name).toBe("GET /trpc/users.me");
    expect(gateway?.parentSpanId).toBe(parentSpanId);
    expect(users?.name).toBe("users.me");
    expect(users?.parentSpanId).toBe(gateway?.spanId ?? "missing");
    // The service's log line for the request carries the same trace id.
    const line = stack.instances.get("users")?.[0]?.lines.find((l) => l.includes(traceId));
    expect(line).toBeDefined();
  });
});
