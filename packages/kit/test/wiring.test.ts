import { describe, expect, test } from "bun:test";
import { paymentEvents, userEvents, users, wiring } from "@portico/contracts";
import type { Caller } from "../src/call.ts";
import { newRequestContext } from "../src/context.ts";
import { consume } from "../src/events/consume.ts";
import { checkConsumers, declaredCaller, wiringOf } from "../src/wiring.ts";

// A service of the contracts calls and consumes only what its wiring declares: the same rule as
// its NATS permissions, enforced at start and on every call also when NATS has no permissions.

const noop = async () => undefined;

describe("wiring", () => {
  test("a consumer the wiring does not declare stops the service at start, naming the fix", () => {
    const notifications = wiring.notifications;
    expect(() =>
      checkConsumers("notifications", notifications, [consume(userEvents.created, noop)]),
    ).not.toThrow();
    expect(() => checkConsumers("notifications", notifications, [consume(userEvents.updated, noop)])).toThrow(
      "notifications consumes user.updated, which wiring.notifications.consumes (packages/contracts/src/wiring.ts) does not declare",
    );
    expect(() =>
      checkConsumers("notifications", notifications, [
        consume(paymentEvents.failed, noop, { name: "other" }),
      ]),
    ).toThrow(/named other/);
  });

  test("a call the wiring does not declare is refused before it reaches NATS", async () => {
    const reached: string[] = [];
    const inner: Caller = {
      call: async (proc) => {
        reached.push(`${proc.service}.${proc.name}`);
        return undefined as never;
      },
    };
    const caller = declaredCaller("payments", wiring.payments, inner);
    await caller.call(users.procedures.jwks, undefined, newRequestContext(1000));
    await expect(caller.call(users.procedures.me, undefined, newRequestContext(1000))).rejects.toThrow(
      "payments calls users.me, which wiring.payments.calls (packages/contracts/src/wiring.ts) does not declare",
    );
    expect(reached).toEqual(["users.jwks"]);
  });

  test("services outside the contracts (tests' own) have no wiring to check", () => {
    expect(wiringOf("echo")).toBeUndefined();
    expect(wiringOf("toString")).toBeUndefined();
    expect(wiringOf("search")).toBe(wiring.search);
  });
});
