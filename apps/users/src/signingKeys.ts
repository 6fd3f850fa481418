import {
  ACCESS_TOKEN_ALG,
  createJwksVerifier,
  type Logger,
  type Revocations,
  signKeySet,
  type TokenVerifier,
} from "@portico/kit";
import { importJWK, type JWK, SignJWT } from "jose";
import type { PublishedJwk } from "./schema.ts";

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
}

/** Where signing keys live: the users schema (default) or a file the operator manages. */
export interface KeySource {
  /** The key that signs new tokens. */
  current(): Promise<{ kid: string; privateJwk: JWK }>;
  /** Public keys tokens may still be verified with (current and recently retired). */
  published(): Promise<PublishedJwk[]>;
}

/** The access-token keys of this deployment, the same for every users instance. */
export interface SigningKeys {
  sign(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Public keys still valid for verification (current and recently retired), as a JWKS, and the
   * same set signed with the key-set key, which is what verifiers trust.
   */
  jwks(): Promise<{ keys: PublishedJwk[]; signed: string }>;
  verifier: TokenVerifier;
  stop(): void;
}

interface Options {
  source: KeySource;
  log: Logger;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  /** The private key the published key set is signed with (`KEY_SET_PRIVATE_KEY_FILE`). */
  keySetKey: JWK;
  /** Ended sessions: their tokens are refused. */
  revocations?: Revocations;
  reloadMs?: number;
}

/** Loads the signing keys and keeps them fresh, so a rotation reaches every instance within `reloadMs`. */
export async function createSigningKeys(opts: Options): Promise<SigningKeys> {
  const load = async () => {
    const current = await opts.source.current();
    return { kid: current.kid, key: await importJWK(current.privateJwk, ACCESS_TOKEN_ALG) };
  };
  let signer = await load();
  const reload = () => {
    load().then(
      (next) => {
        signer = next;
      },
      (error: unknown) => opts.log.warn("could not reload signing keys", { error }),
    );
  };
  const timer = setInterval(reload, opts.reloadMs ?? 60_000);
  // A withdrawn key must stop signing at once, not at the next reload.
  opts.revocations?.onKeysChanged(reload);

  const published = async () => ({ keys: await opts.source.published() });
  const jwks = async () => {
    const { keys } = await published();
    return { keys, signed: await signKeySet(keys, opts.keySetKey, opts.issuer) };
  };

  return {
    async sign({ userId, sessionId }) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + opts.accessTtlSeconds;
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: signer.kid, typ: "JWT" })
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setSubject(userId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(exp)
        .sign(signer.key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    jwks,
    verifier: createJwksVerifier({
      issuer: opts.issuer,
      audience: opts.audience,
      log: opts.log,
      // This service's own keys need no signature: they come from its database or file.
      fetchJwks: published,
      maxLifetimeSeconds: opts.accessTtlSeconds,
      ...(opts.revocations ? { revocations: opts.revocations } : {}),
      refreshMs: opts.reloadMs ?? 60_000,
      unknownKidCooldownMs: Math.min(1000, opts.reloadMs ?? 60_000),
    }),
    stop: () => clearInterval(timer),
  };
}
