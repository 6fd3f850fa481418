import { describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import { createJwksVerifier } from "../src/auth.ts";
import { ServiceError } from "../src/errors.ts";
import { createLogger } from "../src/log.ts";

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256" } };
}

async function token(key: Awaited<ReturnType<typeof keyPair>>, expIn: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: "s1" })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setIssuer("portico")
    .setAudience("portico-api")
    .setSubject("u1")
    .setIssuedAt(now)
    .setExpirationTime(now + expIn)
    .sign(key.privateKey);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof ServiceError ? e.code : String(e)),
  );
}

describe("token verifier", () => {
  test("remembers verified tokens but forgets those whose key is withdrawn", async () => {
    const a = await keyPair("a");
    const b = await keyPair("b");
    let published: JSONWebKeySet = { keys: [a.jwk] };
    let fetches = 0;
    const verify = createJwksVerifier({
      issuer: "portico",
      audience: "portico-api",
      log: createLogger({}, "error"),
      fetchJwks: async () => {
        fetches++;
        return published;
      },
      refreshMs: 0,
      unknownKidCooldownMs: 0,
    });
    const t = `Bearer ${await token(a, 600)}`;
    expect(await verify(t)).toEqual({ userId: "u1", sessionId: "s1" });
    expect(await verify(t)).toEqual({ userId: "u1", sessionId: "s1" });

    // Key `a` is withdrawn (e.g. compromised): after the next refresh its tokens fail, cached or not.
    published = { keys: [b.jwk] };
    expect(await codeOf(verify(`Bearer ${await token(b, 600)}`))).toBe("ok");
    await Bun.sleep(5);
    expect(await codeOf(verify(t))).toBe("UNAUTHORIZED");
    expect(fetches).toBeGreaterThan(1);
  });

  test("a cached token stops working when it expires", async () => {
    const a = await keyPair("a");
    const verify = createJwksVerifier({
      issuer: "portico",
      audience: "portico-api",
      log: createLogger({}, "error"),
      fetchJwks: async () => ({ keys: [a.jwk] }),
    });
    const t = `Bearer ${await token(a, -10)}`;
    expect(await codeOf(verify(t))).toBe("UNAUTHORIZED");
  });
});
