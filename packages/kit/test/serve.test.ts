import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineService, mutation, query, text } from "@portico/contracts";
import { connect, type NatsConnection, type Service } from "nats";
import { z } from "zod";
import type { Identity } from "../src/auth.ts";
import { createCaller } from "../src/call.ts";
import { newRequestContext } from "../src/context.ts";
import { fail, ServiceError } from "../src/errors.ts";
import { createLogger } from "../src/log.ts";
import { serveContract } from "../src/serve.ts";
import { sharedNatsUrl } from "./support/sharedNats.ts";

const natsUrl = sharedNatsUrl;
const namespace = `t${crypto.randomUUID().slice(0, 8)}`;
const logLines: string[] = [];
const log = createLogger({ service: "echo" }, "debug", (line) => logLines.push(line));

const echo = defineService("echo", {
  shout: query({
    access: "public",
    input: z.object({ text: text().min(1) }),
    output: z.object({ text: z.string() }),
  }),
  whoami: query({ access: "user", input: z.void(), output: z.object({ userId: z.string() }) }),
  broken: query({ access: "public", input: z.void(), output: z.object({ n: z.int() }) }),
  crash: mutation({ access: "public", input: z.void(), output: z.object({}) }),
  slow: query({
    access: "public",
    input: z.object({ ms: z.int() }),
    output: z.object({ aborted: z.boolean() }),
  }),
});

/** A contract nobody serves. */
const ghost = defineService("ghost", {
  missing: query({ access: "public", input: z.void(), output: z.object({}) }),
});

let nc: NatsConnection;
let service: Service;
const caller = () => createCaller(nc, namespace);
const ctx = (timeoutMs = 2000, authorization?: string) =>
  newRequestContext(timeoutMs, authorization ? { authorization } : {});

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return error instanceof ServiceError ? error.code : `unexpected ${String(error)}`;
  }
}

beforeAll(async () => {
  nc = await connect({ servers: natsUrl });
  const verifyToken = async (authorization: string | undefined): Promise<Identity> => {
    if (authorization !== "Bearer good") throw fail.unauthorized();
    return { userId: "u-1", sessionId: "s-1" };
  };
  service = await serveContract({
    nc,
    namespace,
    contract: echo,
    handlers: {
      shout: async ({ text }) => ({ text: text.toUpperCase() }),
      whoami: async (_input, c) => ({ userId: c.user.userId }),
      // Deliberately breaks its output contract (the type system is bypassed through JSON).
      broken: async () => JSON.parse('{"n":"not a number"}'),
      crash: async () => {
        throw new Error("password=hunter2 at db.ts:12");
      },
      slow: ({ ms }, c) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ aborted: false }), ms);
          c.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve({ aborted: true });
          });
        }),
    },
    verifyToken,
    log,
    version: "1.0.0",
    defaultTimeoutMs: 5000,
  });
});

afterAll(async () => {
  await service.stop();
  await nc.close();
});

describe("serving a contract over NATS", () => {
  test("validates input and answers typed output", async () => {
    expect(await caller().call(echo.procedures.shout, { text: "hi" }, ctx())).toEqual({ text: "HI" });
    const error = await caller()
      .call(echo.procedures.shout, { text: "" }, ctx())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe("BAD_REQUEST");
    expect((error as ServiceError).validation?.fieldErrors.text).toBeDefined();
  });

  test("user procedures verify the forwarded token before the handler runs", async () => {
    expect(await code(caller().call(echo.procedures.whoami, undefined, ctx()))).toBe("UNAUTHORIZED");
    expect(await code(caller().call(echo.procedures.whoami, undefined, ctx(2000, "Bearer bad")))).toBe(
      "UNAUTHORIZED",
    );
    expect(await caller().call(echo.procedures.whoami, undefined, ctx(2000, "Bearer good"))).toEqual({
      userId: "u-1",
    });
  });

  test("an output that breaks the contract is an internal error, logged with the request id", async () => {
    const request = ctx();
    expect(await code(caller().call(echo.procedures.broken, undefined, request))).toBe(
      "INTERNAL_SERVER_ERROR",
    );
    const line = logLines.find((l) => l.includes("handler output breaks its contract"));
    expect(line).toContain(request.requestId);
  });

  test("a thrown error reaches the caller without its internals", async () => {
    const error = await caller()
      .call(echo.procedures.crash, undefined, ctx())
      .catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe("INTERNAL_SERVER_ERROR");
    expect((error as ServiceError).message).toBe("Internal server error");
    expect(logLines.some((l) => l.includes("hunter2"))).toBe(true);
  });

  test("no responders fails fast with SERVICE_UNAVAILABLE", async () => {
    const started = performance.now();
    expect(await code(caller().call(ghost.procedures.missing, undefined, ctx(3000)))).toBe(
      "SERVICE_UNAVAILABLE",
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("the deadline travels: the caller gives up and the handler is told to stop", async () => {
    const error = await caller()
      .call(echo.procedures.slow, { ms: 2000 }, ctx(150))
      .catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe("SERVICE_UNAVAILABLE");
    expect((error as ServiceError).message).toContain("did not answer in time");
    expect(await caller().call(echo.procedures.slow, { ms: 10 }, ctx(2000))).toEqual({ aborted: false });
  });

  test("a request whose deadline already passed is not sent", async () => {
    const expired = newRequestContext(0, { deadline: Date.now() - 1 });
    expect(await code(caller().call(echo.procedures.shout, { text: "x" }, expired))).toBe(
      "SERVICE_UNAVAILABLE",
    );
  });

  test("instances are discoverable through $SRV with the namespace in their metadata", async () => {
    const pings = await nc.services.client().ping("echo");
    const ours = [];
    for await (const ping of pings) if (ping.metadata?.namespace === namespace) ours.push(ping);
    expect(ours.length).toBe(1);
  });
});
