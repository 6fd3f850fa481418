import { base64url, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import postgres from "postgres";
import { createKeyVault, SealedKey } from "../../apps/users/src/keyEncryption.ts";
import { adminUrl } from "./env.ts";
import { sharedKeySet } from "./keySet.ts";

/**
 * The users service's current signing key, read straight from its table (tests run as the admin)
 * and unsealed with the test run's key-encryption key.
 */
export async function currentSigningKey(): Promise<{ kid: string; jwk: JWK }> {
  const sql = postgres(adminUrl, { max: 1 });
  try {
    const vault = await createKeyVault(sharedKeySet.usersEnv.SIGNING_KEYS_KEK);
    const [row] = await sql<{ kid: string; sealed_private_key: unknown }[]>`
      select kid, sealed_private_key from users.signing_keys
      where retired_at is null and kek_id = ${vault.id} order by created_at desc limit 1`;
    if (!row) throw new Error("no signing key yet: start the users service first");
    return { kid: row.kid, jwk: await vault.open(SealedKey.parse(row.sealed_private_key)) };
  } finally {
    await sql.end();
  }
}

interface Claims {
  sub: string;
  sid?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for the past. */
  expIn?: number;
}

/** Signs an access token with the given key, for tests that need tokens the service would not issue. */
export async function signToken(key: { kid: string; jwk: JWK }, claims: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expIn = claims.expIn ?? 600;
  // Issued two minutes before the earlier of now and its expiry.
  const iat = now + Math.min(0, expIn) - 120;
  return new SignJWT({ sid: claims.sid ?? crypto.randomUUID() })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setIssuer(claims.iss ?? "portico")
    .setAudience(claims.aud ?? "portico-api")
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(now + expIn)
    .sign(await importJWK(key.jwk, "ES256"));
}

/** A fresh key pair nobody trusts, presented under a trusted key id. */
export async function foreignKey(kid: string): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, jwk: await exportJWK(privateKey) };
}

/** An unsigned token (`alg: none`). */
export function unsignedToken(sub: string): string {
  const part = (v: object) => base64url.encode(JSON.stringify(v));
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub, sid: "x", iss: "portico", aud: "portico-api", iat: now, exp: now + 600 })}.`;
}
