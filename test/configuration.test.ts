import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@portico/kit";
import { loadGatewayEnv } from "../apps/gateway/src/env.ts";
import { loadNotificationsEnv } from "../apps/notifications/src/env.ts";
import { loadPaymentsEnv } from "../apps/payments/src/env.ts";
import { loadSearchEnv } from "../apps/search/src/env.ts";
import { loadUsersEnv } from "../apps/users/src/env.ts";

const loaders = {
  gateway: loadGatewayEnv,
  users: loadUsersEnv,
  payments: loadPaymentsEnv,
  notifications: loadNotificationsEnv,
  search: loadSearchEnv,
};

/** The variables `.env.example` sets. */
function example(): Record<string, string> {
  const text = readFileSync(join(import.meta.dir, "..", ".env.example"), "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

describe("configuration", () => {
  test(".env.example is valid for every process and states the defaults", () => {
    const vars = example();
    for (const [name, load] of Object.entries(loaders)) {
      const fromExample = load(vars) as Record<string, unknown>;
      const defaults = load({}) as Record<string, unknown>;
      for (const key of Object.keys(defaults)) {
        expect(`${name} ${key}: ${JSON.stringify(fromExample[key])}`).toBe(
          `${name} ${key}: ${JSON.stringify(defaults[key])}`,
        );
      }
    }
  });

  test("a bad variable stops the process with a message naming it", () => {
    expect(() => loadGatewayEnv({ PORT: "eighty", RATE_LIMIT_USER: "lots" })).toThrow(ConfigError);
    expect(() => loadUsersEnv({ PASSWORD_MEMORY_KIB: "12" })).toThrow(/PASSWORD_MEMORY_KIB/);
    expect(() => loadPaymentsEnv({ IDEMPOTENCY_KEY_TTL_HOURS: "1" })).toThrow(/IDEMPOTENCY_KEY_TTL_HOURS/);
  });
});
