import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeProtectedHeader } from "jose";
import { errorCode } from "./support/errors.ts";
import { runCommand } from "./support/process.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// `bun run users:revoke-key <kid> --yes` withdraws a leaked signing key at once: tokens it signed
// stop working in the gateway and every service without waiting for a refresh, and sign-in goes
// on with a new key.
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments"] });
}, 60_000);
afterAll(() => stack?.[Symbol.asyncDispose]());

describe("users:revoke-key", () => {
  test("tokens of the revoked key are refused everywhere at once; new sign-ins get a new key", async () => {
    const email = uniqueEmail("revoke");
    const session = await stack
      .client()
      .users.signUp.mutate({ email, password: "correct horse", name: "Rev" });
    const api = stack.client(() => session.accessToken);
    expect(await errorCode(api.payments.list.query({}))).toBe("ok");
    const { kid } = decodeProtectedHeader(session.accessToken);
    if (!kid) throw new Error("tokens carry a key id");

    const refused = await runCommand(["bun", "apps/users/src/revokeKey.ts", kid], {
      cwd: `${import.meta.dir}/..`,
      env: stack.processEnvOf("users"),
    });
    expect(refused.code).toBe(2); // without --yes nothing happens
    expect(await errorCode(api.payments.list.query({}))).toBe("ok");

    const revoked = await runCommand(["bun", "apps/users/src/revokeKey.ts", kid, "--yes"], {
      cwd: `${import.meta.dir}/..`,
      env: stack.processEnvOf("users"),
    });
    expect(revoked.code).toBe(0);
    // Verifiers refetch on the announcement; allow the message a moment to arrive.
    let gateway = "ok";
    for (let i = 0; i < 50 && gateway === "ok"; i++) {
      gateway = await errorCode(api.payments.list.query({}));
      if (gateway === "ok") await Bun.sleep(20);
    }
    expect(gateway).toBe("UNAUTHORIZED");
    expect(await errorCode(api.users.me.query())).toBe("UNAUTHORIZED");

    const again = await stack.client().users.signIn.mutate({ email, password: "correct horse" });
    expect(decodeProtectedHeader(again.accessToken).kid).not.toBe(kid);
    expect(await errorCode(stack.client(() => again.accessToken).payments.list.query({}))).toBe("ok");
  });
});
