import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { payments } from "@portico/contracts";
import { createCaller, newRequestContext, ServiceError } from "@portico/kit";
import type { NatsConnection } from "nats";
import { errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

// An access token of an ended session is refused everywhere at once — by the gateway, by a service
// called directly on the bus, and by a process that started after the session ended — not only
// after the token expires.
let stack: Stack;
let asGateway: NatsConnection;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "payments"] });
  asGateway = await stack.connectAs("gateway");
}, 60_000);
afterAll(async () => {
  await asGateway?.close();
  await stack?.[Symbol.asyncDispose]();
});

async function signUp() {
  const email = uniqueEmail("ended");
  const session = await stack
    .client()
    .users.signUp.mutate({ email, password: "correct horse", name: "Ended" });
  return { email, session };
}

/** payments.list asked of the payments service directly on the bus, as the gateway would. */
function paymentsDirectly(token: string): Promise<string> {
  return createCaller(asGateway, stack.namespace)
    .call(payments.procedures.list, {}, newRequestContext(3000, { authorization: `Bearer ${token}` }))
    .then(
      () => "ok",
      (error: unknown) => (error instanceof ServiceError ? error.code : String(error)),
    );
}

describe("ended sessions", () => {
  test("after sign-out the access token is refused by the gateway, users and payments", async () => {
    const { session } = await signUp();
    const api = stack.client(() => session.accessToken);
    // Used first, so every verifier has it remembered as valid.
    expect(await errorCode(api.users.me.query())).toBe("ok");
    expect(await errorCode(api.payments.list.query({}))).toBe("ok");
    expect(await paymentsDirectly(session.accessToken)).toBe("ok");

    expect(await api.users.signOut.mutate({})).toEqual({ ok: true });
    expect(await errorCode(api.users.me.query())).toBe("UNAUTHORIZED");
    expect(await errorCode(api.payments.list.query({}))).toBe("UNAUTHORIZED");
    expect(await paymentsDirectly(session.accessToken)).toBe("UNAUTHORIZED");
  });

  test("a gateway started after the sign-out refuses the token too (it asks the shared store)", async () => {
    const { session } = await signUp();
    await stack.client(() => session.accessToken).users.signOut.mutate({});
    const url = stack.url;
    await stack.startGateway();
    const fresh = stack.client(() => session.accessToken);
    stack.url = url;
    expect(await errorCode(fresh.users.me.query())).toBe("UNAUTHORIZED");
    expect(await errorCode(fresh.payments.list.query({}))).toBe("UNAUTHORIZED");
  });

  test("a reused refresh token ends the session: the access token of the rotated session is refused", async () => {
    const { session } = await signUp();
    const rotated = await stack.client().users.refresh.mutate({ refreshToken: session.refreshToken });
    const api = stack.client(() => rotated.accessToken);
    expect(await errorCode(api.payments.list.query({}))).toBe("ok");
    // The first refresh token again: stolen or replayed. The whole family ends.
    expect(await errorCode(stack.client().users.refresh.mutate({ refreshToken: session.refreshToken }))).toBe(
      "UNAUTHORIZED",
    );
    expect(await errorCode(api.payments.list.query({}))).toBe("UNAUTHORIZED");
    expect(await errorCode(api.users.me.query())).toBe("UNAUTHORIZED");
    expect(await paymentsDirectly(rotated.accessToken)).toBe("UNAUTHORIZED");
  });

  test("other sessions of the same user keep working", async () => {
    const { email, session } = await signUp();
    const other = await stack.client().users.signIn.mutate({ email, password: "correct horse" });
    await stack.client(() => session.accessToken).users.signOut.mutate({});
    expect(await errorCode(stack.client(() => other.accessToken).users.me.query())).toBe("ok");
    expect(await paymentsDirectly(other.accessToken)).toBe("ok");
  });
});
