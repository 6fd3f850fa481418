import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { z } from "zod";
import { ACCESS_TOKEN_ALG } from "./auth.ts";
import { ConfigError } from "./env.ts";

export { PublicEcJwk } from "./publicJwk.ts";

/**
 * The users service publishes its token keys as a key set signed with a key of its own, whose
 * public half every verifier is configured with (pinned). A key set that does not verify against
 * the pinned key is never used, so whoever else answers `users.jwks` cannot slip in a key.
 */
export const KEY_SET_TYP = "jwk-set+jwt";

/** A new key pair for signing key sets: the private JWK for the users service, the public one to pin. */
export async function newKeySetKeyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

/** Signs the published keys (users service). */
export async function signKeySet(keys: JWK[], privateJwk: JWK, issuer: string): Promise<string> {
  const key = await importJWK(privateJwk, ACCESS_TOKEN_ALG);
  return new SignJWT({ keys })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: KEY_SET_TYP })
    .setIssuer(issuer)
    .setIssuedAt()
    .sign(key);
}

const SignedKeys = z.object({ keys: z.array(z.looseObject({ kid: z.string() })) });

/**
 * Fetches key sets and returns only those signed by the pinned key, never older than the last one
 * accepted (so an old set cannot bring back a withdrawn key). Anything else throws, and the
 * verifier keeps the keys it had.
 */
export function pinnedKeySets(opts: {
  pinned: JWK;
  issuer: string;
  fetchSigned: () => Promise<{ signed: string }>;
}): () => Promise<JSONWebKeySet> {
  let newest = 0;
  const pinned = importJWK(opts.pinned, ACCESS_TOKEN_ALG);
  return async () => {
    const { signed } = await opts.fetchSigned();
    const { payload } = await jwtVerify(signed, await pinned, {
      algorithms: [ACCESS_TOKEN_ALG],
      typ: KEY_SET_TYP,
      issuer: opts.issuer,
      requiredClaims: ["iat"],
    }).catch(() => {
      throw new Error("refused a key set not signed by the pinned key (KEY_SET_PUBLIC_KEY)");
    });
    const issuedAt = payload.iat ?? 0;
    if (issuedAt < newest) throw new Error("refused a key set older than the one in use");
    newest = issuedAt;
    return { keys: SignedKeys.parse(payload).keys as JWK[] };
  };
}

/** Key sets from a public JWKS file the operator manages (`JWKS_FILE`), read again on each refresh. */
export function fileKeySets(path: string): () => Promise<JSONWebKeySet> {
  return async () => SignedKeys.parse(await Bun.file(path).json()) as JSONWebKeySet;
}

/** Where a verifier may take its keys from: a JWKS file, or key sets signed by the pinned key. */
export function trustedKeySets(opts: {
  pinned: JWK | undefined;
  jwksFile: string | undefined;
  issuer: string;
  fetchSigned: () => Promise<{ signed: string }>;
}): () => Promise<JSONWebKeySet> {
  if (opts.jwksFile) return fileKeySets(opts.jwksFile);
  if (opts.pinned)
    return pinnedKeySets({ pinned: opts.pinned, issuer: opts.issuer, fetchSigned: opts.fetchSigned });
  throw new ConfigError(
    "Invalid configuration:\n  KEY_SET_PUBLIC_KEY or JWKS_FILE: required; tokens are verified only with keys this " +
      "process can authenticate (the users service's key-set public key, or a public JWKS file). " +
      "`bun run start` sets them for you; see docs/security.md.",
  );
}
