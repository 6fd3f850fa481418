import { describe, expect, test } from "bun:test";
import { users } from "@portico/contracts";
import { createJwksVerifier, createLogger, newRequestContext, pinnedKeySets } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { eq } from "drizzle-orm";
import { serviceDatabaseUrl } from "../../../test/support/env.ts";
import { sharedKeySet } from "../../../test/support/keySet.ts";
import { uniqueEmail } from "../../../test/support/stack.ts";
import { rotateSigningKey } from "../src/databaseKeys.ts";
import { createKeyVault } from "../src/keyEncryption.ts";
import * as schema from "../src/schema.ts";
import { codeOf, inProcessUsers } from "./support.ts";

// The users service in-process over real NATS and Postgres: session rules that need concurrency or key rotation.
const usersService = inProcessUsers();
const env = usersService.env;
const ctx = (authorization?: string) => newRequestContext(3000, authorization ? { authorization } : {});
const call = usersService.call;

describe("sessions", () => {
  test("a refresh token raced by two clients is honoured at most once, and the race revokes the family", async () => {
    const session = await call().call(
      users.procedures.signUp,
      { email: uniqueEmail("race"), password: "password-for-tests", name: "Racer" },
      ctx(),
    );
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        codeOf(call().call(users.procedures.refresh, { refreshToken: session.refreshToken }, ctx())),
      ),
    );
    expect(attempts.filter((c) => c === "ok").length).toBeLessThanOrEqual(1);
    expect(attempts.filter((c) => c !== "ok").every((c) => c === "UNAUTHORIZED")).toBe(true);
  });

  test("stored refresh tokens and passwords are hashes, never the secrets", async () => {
    const email = uniqueEmail("hash");
    const session = await call().call(
      users.procedures.signUp,
      { email, password: "password-for-tests", name: "H" },
      ctx(),
    );
    const database = createDatabase(serviceDatabaseUrl("users"), schema, { max: 1, appName: "test" });
    try {
      const dump = JSON.stringify(await database.db.select().from(schema.refreshTokens));
      expect(dump).not.toContain(session.refreshToken);
      const [user] = await database.db
        .select()
        .from(schema.users)
        .where(eq(schema.users.id, session.user.id));
      expect(user?.passwordHash).toStartWith("$argon2id$");
      expect(JSON.stringify(user)).not.toContain("password-for-tests");
    } finally {
      await database.close();
    }
  });

  test("after a key rotation old tokens stay valid and new tokens use the new key", async () => {
    const before = await call().call(
      users.procedures.signUp,
      { email: uniqueEmail("rotate"), password: "password-for-tests", name: "Rotor" },
      ctx(),
    );
    const database = createDatabase(serviceDatabaseUrl("users"), schema, { max: 1, appName: "test" });
    const vault = await createKeyVault(sharedKeySet.usersEnv.SIGNING_KEYS_KEK);
    const newKid = await rotateSigningKey(database.db, vault).finally(() => database.close());
    // A verifier elsewhere (like the gateway's) that learns keys from the signed JWKS.
    const verify = createJwksVerifier({
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      log: createLogger({}, "error"),
      maxLifetimeSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      fetchJwks: pinnedKeySets({
        pinned: sharedKeySet.publicJwk,
        issuer: env.JWT_ISSUER,
        fetchSigned: () => call().call(users.procedures.jwks, undefined, ctx()),
      }),
    });
    expect((await verify(`Bearer ${before.accessToken}`)).userId).toBe(before.user.id);
    const jwks = await call().call(users.procedures.jwks, undefined, ctx());
    expect(jwks.keys.map((k) => k.kid)).toContain(newKid);
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
  });
});
