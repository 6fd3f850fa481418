import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Stack, uniqueEmail } from "./support/stack.ts";

// Every process logs at debug level here, the most it ever writes; no secret may appear in any line.
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments"], env: { LOG_LEVEL: "debug" } });
}, 60_000);

afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
}, 30_000);

describe("secrets stay out of logs", () => {
  test("passwords, access tokens and refresh tokens of sign-up, sign-in, refresh and a failed sign-in", async () => {
    const password = `pw-${crypto.randomUUID()}`;
    const email = uniqueEmail("secret");
    const api = stack.client();
    const first = await api.users.signUp.mutate({ email, password, name: "Secret Keeper" });
    const second = await api.users.signIn.mutate({ email, password });
    const third = await api.users.refresh.mutate({ refreshToken: second.refreshToken });
    await api.users.signIn.mutate({ email, password: `${password}-wrong` }).catch(() => undefined);
    const authed = stack.client(() => third.accessToken);
    await authed.payments.charge.mutate({
      amount: 500,
      currency: "USD",
      source: "tok_visa",
      idempotencyKey: crypto.randomUUID(),
    });
    await authed.users.signOut.mutate({ refreshToken: third.refreshToken });

    const secrets = [password, first, second, third].flatMap((s) =>
      typeof s === "string" ? [s] : [s.accessToken, s.refreshToken],
    );
    const lines = stack.logLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      // Also no recognisable piece of it (a token's signature is its last segment).
      const tail = secret.slice(-16);
      expect(lines.filter((l) => l.includes(secret) || l.includes(tail))).toEqual([]);
    }
  });
});
