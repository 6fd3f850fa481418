import { describe, expect, test } from "bun:test";
import { createPorticoClient, errorCodeOf, fieldErrorsOf, retryAfterOf } from "@portico/client";
import { Stack, uniqueEmail } from "./support/stack.ts";

// The client helpers a frontend needs (apps/web uses them): refresh on UNAUTHORIZED, field errors, retry time.

describe("refreshSession", () => {
  test("an expired access token is refreshed once and the call retried; concurrent calls share the refresh", async () => {
    await using stack = await Stack.start({ services: ["users"] });
    const first = await stack.client().users.signUp.mutate({
      email: uniqueEmail("refresh"),
      password: "correct horse battery",
      name: "Refresh Tester",
    });
    let session = first;
    let accessToken = "an-expired-token"; // what the gateway sees as a stale token: UNAUTHORIZED
    let refreshes = 0;
    const client = createPorticoClient({
      url: stack.url,
      getAccessToken: () => accessToken,
      refreshSession: async () => {
        refreshes += 1;
        session = await client.users.refresh.mutate({ refreshToken: session.refreshToken });
        accessToken = session.accessToken;
        return true;
      },
    });
    const [a, b] = await Promise.all([client.users.me.query(), client.users.me.query()]);
    expect(a.id).toBe(first.user.id);
    expect(b.id).toBe(first.user.id);
    expect(refreshes).toBe(1);
    expect(session.refreshToken).not.toBe(first.refreshToken);
  }, 20_000);

  test("without a successful refresh the UNAUTHORIZED error reaches the caller", async () => {
    await using stack = await Stack.start({ services: ["users"] });
    const client = createPorticoClient({
      url: stack.url,
      getAccessToken: () => "not-a-token",
      refreshSession: async () => false,
    });
    const error = await client.users.me.query().catch((e: unknown) => e);
    expect(errorCodeOf(error)).toBe("UNAUTHORIZED");
  }, 20_000);
});

describe("error helpers", () => {
  test("fieldErrorsOf names the invalid fields; retryAfterOf gives the rate limit's wait", async () => {
    await using stack = await Stack.start({ services: ["users"], env: { RATE_LIMIT_AUTH: "2/60s" } });
    const client = stack.client();
    const invalid = await client.users.signUp
      .mutate({ email: "nope", password: "short", name: "X" })
      .catch((e: unknown) => e);
    expect(errorCodeOf(invalid)).toBe("BAD_REQUEST");
    expect(Object.keys(fieldErrorsOf(invalid)).sort()).toEqual(["email", "password"]);
    expect(retryAfterOf(invalid)).toBeNull();

    const signIn = () =>
      client.users.signIn
        .mutate({ email: uniqueEmail(), password: "wrong-password" })
        .catch((e: unknown) => e);
    await signIn();
    const limited = await signIn();
    expect(errorCodeOf(limited)).toBe("TOO_MANY_REQUESTS");
    expect(retryAfterOf(limited)).toBeGreaterThan(0);
    expect(fieldErrorsOf(limited)).toEqual({});
  }, 20_000);
});
