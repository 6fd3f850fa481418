import { describe, expect, test } from "bun:test";
import { headers } from "nats";
import { z } from "zod";
import { decodeJson, encodeJson } from "../src/codec.ts";
import { contextFromHeaders, contextToHeaders, newRequestContext } from "../src/context.ts";
import { ConfigError, loadEnv } from "../src/env.ts";
import { invalidInput, ServiceError, toErrorBody } from "../src/errors.ts";
import { continueTrace, traceIdOf } from "../src/trace.ts";

describe("codec", () => {
  test("round-trips values and treats an empty payload as undefined", () => {
    expect(decodeJson(encodeJson({ a: [1, "x"] }))).toEqual({ a: [1, "x"] });
    expect(encodeJson(undefined).length).toBe(0);
    expect(decodeJson(new Uint8Array())).toBeUndefined();
  });

  test("malformed JSON is a BAD_REQUEST", () => {
    expect(() => decodeJson(new TextEncoder().encode("{nope"))).toThrow(ServiceError);
    try {
      decodeJson(new TextEncoder().encode("{nope"));
    } catch (error) {
      expect((error as ServiceError).code).toBe("BAD_REQUEST");
    }
  });
});

describe("errors", () => {
  test("validation errors name each field by its dotted path", () => {
    const schema = z.object({ email: z.email(), ids: z.array(z.uuid()) });
    const result = schema.safeParse({ email: "nope", ids: ["x"] });
    if (result.success) throw new Error("expected failure");
    const error = invalidInput(result.error);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Invalid input: email, ids.0");
    expect(Object.keys(error.validation?.fieldErrors ?? {})).toEqual(["email", "ids.0"]);
  });

  test("unknown errors become a bare internal error", () => {
    const { body, internal } = toErrorBody(new Error("relation users.users does not exist at /src/x.ts:10"));
    expect(internal).toBe(true);
    expect(body).toEqual({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error" });
  });

  test("a lost or refused database connection is a bare SERVICE_UNAVAILABLE; a failed query is not", () => {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    // drizzle wraps the driver's error as the cause of its own "Failed query: …"
    const wrapped = (cause: Error) => new Error("Failed query: insert into payments.payments …", { cause });
    const unavailable = [
      wrapped(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")),
      wrapped(withCode("terminating connection due to administrator command", "57P01")),
      withCode("the database system is starting up", "57P03"),
      withCode("write CONNECTION_CLOSED 127.0.0.1:5432", "CONNECTION_CLOSED"),
      withCode("connection failure", "08006"),
    ];
    for (const error of unavailable) {
      const { body, internal } = toErrorBody(error);
      expect(internal).toBe(true);
      expect(body).toEqual({
        code: "SERVICE_UNAVAILABLE",
        message: "Temporarily unavailable; retry shortly",
      });
    }
    for (const error of [
      wrapped(withCode("duplicate key value", "23505")),
      withCode("syntax error", "42601"),
    ])
      expect(toErrorBody(error).body.code).toBe("INTERNAL_SERVER_ERROR");
  });
});

describe("request context", () => {
  test("travels through NATS headers with the remaining budget", () => {
    const ctx = newRequestContext(1000, { requestId: "req-1", authorization: "Bearer abc" });
    const h = contextToHeaders(ctx, ctx.deadline - 400);
    expect(h.get("portico-timeout-ms")).toBe("400");
    const back = contextFromHeaders(h, 10_000, 5000);
    expect(back.requestId).toBe("req-1");
    expect(back.authorization).toBe("Bearer abc");
    expect(back.deadline).toBe(10_400);
    expect(traceIdOf(back.traceparent)).toBe(traceIdOf(ctx.traceparent));
  });

  test("a request without a deadline gets the default budget", () => {
    const back = contextFromHeaders(headers(), 1000, 5000);
    expect(back.deadline).toBe(6000);
    expect(back.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("continues a valid traceparent and replaces a malformed one", () => {
    const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const child = continueTrace(parent);
    expect(traceIdOf(child)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(child).not.toBe(parent);
    expect(traceIdOf(continueTrace("garbage"))).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(continueTrace(`00-${"0".repeat(32)}-00f067aa0ba902b7-01`))).not.toBe("0".repeat(32));
  });
});

describe("env", () => {
  const schema = z.object({ PORT: z.coerce.number().int().default(3000), NATS_URL: z.string() });

  test("names every bad variable", () => {
    expect(() => loadEnv(schema, { PORT: "abc" })).toThrow(ConfigError);
    try {
      loadEnv(schema, { PORT: "abc" });
    } catch (error) {
      expect((error as Error).message).toContain("PORT");
      expect((error as Error).message).toContain("NATS_URL");
    }
  });

  test("empty variables fall back to defaults", () => {
    expect(loadEnv(schema, { PORT: "", NATS_URL: "nats://x" })).toEqual({ PORT: 3000, NATS_URL: "nats://x" });
  });
});
