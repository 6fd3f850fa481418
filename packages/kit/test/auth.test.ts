import { describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, SignJWT } from "jose";
import { createJwksVerifier } from "../src/auth.ts";
import { ServiceError } from "../src/errors.ts";
import { KEY_SET_TYP, newKeySetKeyPair, pinnedKeySets, signKeySet, trustedKeySets } from "../src/keySet.ts";
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
      maxLifetimeSeconds: 900,
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

  /** A verifier that knows one key and allows the default 15-minute lifetime. */
  const verifierOf = (key: Awaited<ReturnType<typeof keyPair>>) =>
    createJwksVerifier({
      issuer: "portico",
      audience: "portico-api",
      log: createLogger({}, "error"),
      fetchJwks: async () => ({ keys: [key.jwk] }),
      maxLifetimeSeconds: 900,
    });

  test("a cached token stops working when it expires", async () => {
    const a = await keyPair("a");
    const verify = verifierOf(a);
    const t = `Bearer ${await token(a, -10)}`;
    expect(await codeOf(verify(t))).toBe("UNAUTHORIZED");
  });

  test("a token that lives longer than the access-token lifetime is refused, even well signed", async () => {
    const a = await keyPair("a");
    const verify = verifierOf(a);
    expect(await codeOf(verify(`Bearer ${await token(a, 900)}`))).toBe("ok");
    expect(await codeOf(verify(`Bearer ${await token(a, 901)}`))).toBe("UNAUTHORIZED");
    expect(await codeOf(verify(`Bearer ${await token(a, 10 * 365 * 24 * 3600)}`))).toBe("UNAUTHORIZED");
  });
});

describe("key sets from the bus", () => {
  const issuer = "portico";

  test("only a set signed by the pinned key is used; a forged answer to users.jwks changes nothing", async () => {
    const pinnedPair = await newKeySetKeyPair();
    const attackerPair = await newKeySetKeyPair();
    const real = await keyPair("real");
    const forged = await keyPair("forged");
    // What answers users.jwks: the users service, or an attacker on an open bus.
    let answer = { signed: await signKeySet([real.jwk], pinnedPair.privateJwk, issuer) };
    let fetches = 0;
    const verify = createJwksVerifier({
      issuer,
      audience: "portico-api",
      log: createLogger({}, "error", () => undefined),
      fetchJwks: pinnedKeySets({
        pinned: pinnedPair.publicJwk,
        issuer,
        fetchSigned: async () => {
          fetches++;
          return answer;
        },
      }),
      unknownKidCooldownMs: 0,
      maxLifetimeSeconds: 900,
    });
    expect(await codeOf(verify(`Bearer ${await token(real, 600)}`))).toBe("ok");

    // The attacker answers the refetch an unknown kid triggers: with a set signed by their own
    // key, with the real set's format unsigned, and with a token of their key in an honest set.
    const forgedToken = `Bearer ${await token(forged, 600)}`;
    for (const attack of [
      { signed: await signKeySet([forged.jwk, real.jwk], attackerPair.privateJwk, issuer) },
      { signed: "" },
      { signed: (await signKeySet([forged.jwk], pinnedPair.privateJwk, "someone-else")).toString() },
    ]) {
      answer = attack;
      const before = fetches;
      expect(await codeOf(verify(forgedToken))).toBe("UNAUTHORIZED");
      expect(fetches).toBe(before + 1);
      // The keys in use stay: real tokens still verify.
      expect(await codeOf(verify(`Bearer ${await token(real, 600)}`))).toBe("ok");
    }
  });

  test("a signed set older than the one in use is refused, so a withdrawn key cannot come back", async () => {
    const pinnedPair = await newKeySetKeyPair();
    const old = await keyPair("old");
    const now = await keyPair("now");
    const signedAt = async (keys: object[], iat: number) =>
      new SignJWT({ keys })
        .setProtectedHeader({ alg: "ES256", typ: KEY_SET_TYP })
        .setIssuer(issuer)
        .setIssuedAt(iat)
        .sign((await importJWK(pinnedPair.privateJwk, "ES256")) as CryptoKey);
    const t = Math.floor(Date.now() / 1000);
    let answer = { signed: await signedAt([now.jwk], t) };
    const fetch = pinnedKeySets({ pinned: pinnedPair.publicJwk, issuer, fetchSigned: async () => answer });
    expect((await fetch()).keys.map((k) => k.kid)).toEqual(["now"]);
    answer = { signed: await signedAt([old.jwk, now.jwk], t - 3600) };
    expect(fetch()).rejects.toThrow("older");
  });

  test("a verifier with neither a pinned key nor a JWKS file does not start", () => {
    expect(() =>
      trustedKeySets({
        pinned: undefined,
        jwksFile: undefined,
        issuer,
        fetchSigned: async () => ({ signed: "" }),
      }),
    ).toThrow(/KEY_SET_PUBLIC_KEY or JWKS_FILE: required/);
  });
});
