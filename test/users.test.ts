import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { NatsConnection } from "nats";
import { clientError, errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";
import { currentSigningKey, foreignKey, signToken, unsignedToken } from "./support/tokens.ts";

// End to end, as a frontend sees it: gateway and users service as separate processes, the typed client.
let stack: Stack;
let nc: NatsConnection;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users"], env: { LOG_LEVEL: "debug", REQUEST_TIMEOUT_MS: "1500" } });
  nc = await stack.connectAs("ops");
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await stack?.[Symbol.asyncDispose]();
}, 30_000);

/** Requests each users instance of this stack has answered, per endpoint. */
async function usersStats(): Promise<Array<Record<string, number>>> {
  const out: Array<Record<string, number>> = [];
  for await (const s of await nc.services.client().stats("users")) {
    if (s.metadata?.namespace !== stack.namespace) continue;
    out.push(Object.fromEntries((s.endpoints ?? []).map((e) => [e.name, e.num_requests])));
  }
  return out;
}

async function signUp(name = "Ada Lovelace") {
  const email = uniqueEmail("ada");
  const session = await stack.client().users.signUp.mutate({ email, password: "correct horse", name });
  return { email, session };
}

describe("users through the gateway", () => {
  test("sign-up → me → update → refresh → reuse detection → sign-out", async () => {
    const { email, session } = await signUp("  Ada Lovelace  ");
    expect(session.user).toMatchObject({ email, name: "Ada Lovelace" });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(session)).not.toContain("password");

    let token = session.accessToken;
    const api = stack.client(() => token);
    expect(await api.users.me.query()).toEqual(session.user);

    const renamed = await api.users.updateProfile.mutate({ name: "Countess of Lovelace" });
    expect(renamed.name).toBe("Countess of Lovelace");
    expect(await api.users.get.query({ id: session.user.id })).toEqual({
      id: session.user.id,
      name: "Countess of Lovelace",
    });

    const rotated = await api.users.refresh.mutate({ refreshToken: session.refreshToken });
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    token = rotated.accessToken;
    expect((await api.users.me.query()).id).toBe(session.user.id);

    // The first refresh token was used already: presenting it again revokes the whole family.
    expect(await errorCode(api.users.refresh.mutate({ refreshToken: session.refreshToken }))).toBe(
      "UNAUTHORIZED",
    );
    expect(await errorCode(api.users.refresh.mutate({ refreshToken: rotated.refreshToken }))).toBe(
      "UNAUTHORIZED",
    );

    // A fresh sign-in starts a new family; signing out ends it.
    const again = await stack
      .client()
      .users.signIn.mutate({ email: email.toUpperCase(), password: "correct horse" });
    token = again.accessToken;
    expect(await api.users.signOut.mutate({ refreshToken: again.refreshToken })).toEqual({ ok: true });
    expect(await errorCode(api.users.refresh.mutate({ refreshToken: again.refreshToken }))).toBe(
      "UNAUTHORIZED",
    );
  });

  test("sign-out without a refresh token ends the current session", async () => {
    const { session } = await signUp();
    const api = stack.client(() => session.accessToken);
    await api.users.signOut.mutate();
    expect(await errorCode(api.users.refresh.mutate({ refreshToken: session.refreshToken }))).toBe(
      "UNAUTHORIZED",
    );
  });

  test("emails are unique case-insensitively", async () => {
    const { email } = await signUp();
    const again = stack
      .client()
      .users.signUp.mutate({ email: email.toUpperCase(), password: "whatever-it-is", name: "X" });
    expect(await errorCode(again)).toBe("CONFLICT");
  });

  test("wrong email and wrong password get the same answer", async () => {
    const { email } = await signUp();
    const wrongPassword = await clientError(
      stack.client().users.signIn.mutate({ email, password: "not it at all" }),
    );
    const wrongEmail = await clientError(
      stack.client().users.signIn.mutate({ email: uniqueEmail("nobody"), password: "not it at all" }),
    );
    expect(wrongPassword.data?.code).toBe("UNAUTHORIZED");
    expect(wrongEmail.message).toBe(wrongPassword.message);
  });

  test("invalid input is a BAD_REQUEST naming each field", async () => {
    const error = await clientError(
      stack.client().users.signUp.mutate({ email: "not-an-email", password: "short", name: "   " }),
    );
    expect(error.data?.code).toBe("BAD_REQUEST");
    const fields = error.data?.zodError?.fieldErrors ?? {};
    expect(Object.keys(fields).sort()).toEqual(["email", "name", "password"]);

    const control = await clientError(
      stack.client().users.signUp.mutate({ email: uniqueEmail(), password: "long enough", name: "a\u0000b" }),
    );
    expect(control.data?.code).toBe("BAD_REQUEST");
    expect(control.message).toContain("name");
  });

  test("users.get of an unknown id is NOT_FOUND", async () => {
    const { session } = await signUp();
    const api = stack.client(() => session.accessToken);
    expect(await errorCode(api.users.get.query({ id: crypto.randomUUID() }))).toBe("NOT_FOUND");
  });

  test("bad tokens are rejected at the gateway before any service is called", async () => {
    const { session } = await signUp();
    const key = await currentSigningKey();
    const sub = session.user.id;
    const [header = "", payload = "", signature = ""] = session.accessToken.split(".");
    const tamperedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, "base64url").toString()),
        sub: crypto.randomUUID(),
      }),
    ).toString("base64url");
    const tokens = {
      none: undefined,
      garbage: "not.a.jwt",
      tampered: `${header}.${tamperedPayload}.${signature}`,
      algNone: unsignedToken(sub),
      expired: await signToken(key, { sub, expIn: -60 }),
      wrongKey: await signToken(await foreignKey(key.kid), { sub }),
      wrongAudience: await signToken(key, { sub, aud: "someone-else" }),
      wrongIssuer: await signToken(key, { sub, iss: "evil" }),
      // Signed with the real key, but living ten years: no signer issues that.
      tooLong: await signToken(key, { sub, expIn: 10 * 365 * 24 * 3600 }),
    };
    const before = await usersStats();
    for (const [kind, token] of Object.entries(tokens)) {
      const code = await errorCode(stack.client(() => token).users.me.query());
      expect(`${kind}: ${code}`).toBe(`${kind}: UNAUTHORIZED`);
    }
    expect(await usersStats()).toEqual(before);
    // The control: a token signed with the real key and sane claims is accepted.
    expect((await stack.client(() => session.accessToken).users.me.query()).id).toBe(sub);
  });

  test("x-request-id is echoed and reaches the service's log lines", async () => {
    const { session } = await signUp();
    const requestId = `req-${crypto.randomUUID()}`;
    const response = await fetch(`${stack.url}/trpc/users.me`, {
      headers: { authorization: `Bearer ${session.accessToken}`, "x-request-id": requestId },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const generated = await fetch(`${stack.url}/trpc/users.me`);
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const users = stack.instances.get("users")?.[0];
    const line = users?.lines.find((l) => l.includes(requestId));
    expect(line).toContain('"procedure":"users.me"');
  });

  test("errors never carry stacks or internals", async () => {
    const response = await fetch(`${stack.url}/trpc/users.signUp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"email": ',
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).not.toContain("stack");
    expect(text).not.toContain(".ts:");
  });
});

describe("availability", () => {
  test("a second instance shares the load", async () => {
    const second = await stack.startService("users");
    const { session } = await signUp();
    const api = stack.client(() => session.accessToken);
    for (let i = 0; i < 40; i++) await api.users.me.query();
    const stats = await usersStats();
    expect(stats.length).toBe(2);
    for (const perEndpoint of stats) expect(perEndpoint.me ?? 0).toBeGreaterThan(0);
    await second.stop();
    stack.instances.set("users", stack.instances.get("users")?.filter((p) => p !== second) ?? []);
  });

  test("users down → SERVICE_UNAVAILABLE at once; back after a restart", async () => {
    const { email } = await signUp();
    await stack.stopService("users");
    const started = performance.now();
    const code = await errorCode(stack.client().users.signIn.mutate({ email, password: "correct horse" }));
    expect(code).toBe("SERVICE_UNAVAILABLE");
    expect(performance.now() - started).toBeLessThan(1000);
    await stack.startService("users");
    const session = await stack.client().users.signIn.mutate({ email, password: "correct horse" });
    expect(session.user.email).toBe(email);
  });

  test("readiness reflects NATS; liveness is always up", async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
  });
});
