import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineService, mutation, noInput, query } from "@portico/contracts";
import {
  connectNats,
  createCaller,
  createLogger,
  fail,
  newRequestContext,
  ServiceError,
  serveContract,
} from "@portico/kit";
import type { NatsConnection, Service } from "nats";
import { z } from "zod";
import { natsUrl } from "../../../test/support/env.ts";
import { createResilientCaller, Refusal, type ResilienceOptions } from "../src/resilience/caller.ts";

// Real NATS, real services (kit's serveContract) on a namespace of this file's own.
const namespace = `r${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const log = createLogger({ service: "resilience-test" }, "error");
const out = z.object({ n: z.int() });
const flaky = defineService("flaky", {
  read: query({ access: "public", input: noInput, output: out }),
  write: mutation({ access: "public", input: noInput, output: out }),
});
const slow = defineService("slow", { wait: query({ access: "public", input: noInput, output: out }) });
const quick = defineService("quick", { ping: query({ access: "public", input: noInput, output: out }) });

let nc: NatsConnection;
const running: Service[] = [];
const calls = { read: 0, write: 0, wait: 0 };
let releaseSlow: () => void = () => undefined;
let slowGate = new Promise<void>((resolve) => {
  releaseSlow = resolve;
});

async function serve<C extends Parameters<typeof serveContract>[0]["contract"]>(
  contract: C,
  handlers: Parameters<typeof serveContract<C>>[0]["handlers"],
): Promise<Service> {
  const service = await serveContract({
    nc,
    namespace,
    contract,
    handlers,
    verifyToken: async () => {
      throw fail.unauthorized();
    },
    log,
    version: "0.0.0",
    defaultTimeoutMs: 5000,
  });
  running.push(service);
  return service;
}

const options: ResilienceOptions = {
  breakerThreshold: 3,
  breakerWindowMs: 10_000,
  breakerOpenMs: 300,
  maxInFlight: 2,
  retryMaxAttempts: 2,
  retryBaseMs: 5,
};
const ctx = () => newRequestContext(5000);
const codeOf = (error: unknown) => (error instanceof ServiceError ? error.code : String(error));

beforeAll(async () => {
  nc = await connectNats({ url: natsUrl, name: "resilience-test", log, insecure: true });
  await serve(flaky, {
    read: async () => {
      calls.read += 1;
      if (calls.read === 1) throw fail.unavailable("first read fails");
      return { n: calls.read };
    },
    write: async () => {
      calls.write += 1;
      throw fail.unavailable("writes always fail here");
    },
  });
  await serve(slow, {
    wait: async () => {
      calls.wait += 1;
      await slowGate;
      return { n: calls.wait };
    },
  });
  await serve(quick, { ping: async () => ({ n: 1 }) });
});

afterAll(async () => {
  releaseSlow();
  for (const s of running) await s.stop().catch(() => undefined);
  await nc?.drain();
});

describe("resilient caller", () => {
  test("a failed query is retried; a failed mutation is never repeated", async () => {
    const caller = createResilientCaller(createCaller(nc, namespace), { ...options, breakerThreshold: 100 });
    expect(await caller.call(flaky.procedures.read, undefined, ctx())).toEqual({ n: 2 });
    expect(calls.read).toBe(2);
    const error = await caller.call(flaky.procedures.write, undefined, ctx()).catch((e: unknown) => e);
    expect(codeOf(error)).toBe("SERVICE_UNAVAILABLE");
    expect(calls.write).toBe(1);
  });

  test("the breaker opens after repeated outages, fails fast while open, and closes after recovery", async () => {
    const fragile = defineService("fragile", {
      get: query({ access: "public", input: noInput, output: out }),
    });
    const caller = createResilientCaller(createCaller(nc, namespace), { ...options, retryMaxAttempts: 0 });
    for (let i = 0; i < 3; i += 1) {
      const error = await caller.call(fragile.procedures.get, undefined, ctx()).catch((e: unknown) => e);
      expect(error instanceof ServiceError && error.message).toContain("is unavailable");
    }
    expect(caller.breakerState("fragile")).toBe("open");
    // Even with the service back, an open breaker answers at once, without a call.
    let served = 0;
    const service = await serve(fragile, {
      get: async () => {
        served += 1;
        return { n: served };
      },
    });
    const fast = await caller.call(fragile.procedures.get, undefined, ctx()).catch((e: unknown) => e);
    expect(codeOf(fast)).toBe("SERVICE_UNAVAILABLE");
    expect(fast instanceof Error && fast.message).toContain("circuit open");
    // Told to come back once the breaker lets a probe through (open for 300 ms: 1 s, rounded up).
    expect(fast instanceof Refusal && fast.retryAfterSeconds).toBe(1);
    expect(served).toBe(0);
    while (caller.breakerState("fragile") === "open") await Bun.sleep(20);
    expect(caller.breakerState("fragile")).toBe("half-open");
    expect(await caller.call(fragile.procedures.get, undefined, ctx())).toEqual({ n: 1 });
    expect(caller.breakerState("fragile")).toBe("closed");
    await service.stop();
  });

  test("a bulkhead keeps a slow service from holding up calls to the others", async () => {
    const caller = createResilientCaller(createCaller(nc, namespace), options);
    const settled: string[] = [];
    const slowCalls = [1, 2].map((i) =>
      caller.call(slow.procedures.wait, undefined, ctx()).then(() => settled.push(`slow${i}`)),
    );
    // The slow service's two slots are taken: a third call fails fast instead of queueing.
    const overflow = await caller.call(slow.procedures.wait, undefined, ctx()).catch((e: unknown) => e);
    expect(codeOf(overflow)).toBe("SERVICE_UNAVAILABLE");
    expect(overflow instanceof Error && overflow.message).toContain("busy");
    expect(overflow instanceof Refusal && overflow.retryAfterSeconds).toBe(1);
    // Another service answers while the slow one still holds its calls.
    for (let i = 0; i < 5; i += 1) {
      await caller.call(quick.procedures.ping, undefined, ctx());
      settled.push("quick");
    }
    expect(settled).toEqual(["quick", "quick", "quick", "quick", "quick"]);
    releaseSlow();
    await Promise.all(slowCalls);
    expect(settled.slice(5).sort()).toEqual(["slow1", "slow2"]);
    expect(calls.wait).toBe(2);
    slowGate = Promise.resolve();
  });
});
