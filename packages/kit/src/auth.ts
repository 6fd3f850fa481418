import { createLocalJWKSet, type JSONWebKeySet, errors as joseErrors, jwtVerify } from "jose";
import { fail, ServiceError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Revocations } from "./revocations.ts";

/** The one signing algorithm Portico accepts; anything else (including `none`) is rejected. */
export const ACCESS_TOKEN_ALG = "ES256";
/** Tolerated clock difference between the signer and a verifier. */
export const CLOCK_SKEW_SECONDS = 5;

/** Who a verified access token speaks for. */
export interface Identity {
  userId: string;
  sessionId: string;
}

/** Checks an `Authorization` header and returns the identity in its token, or throws UNAUTHORIZED. */
export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

/** The token in a `Bearer` authorization header. */
export function bearerToken(authorization: string | undefined): string {
  const match = authorization ? /^Bearer\s+([A-Za-z0-9\-_.]+)$/i.exec(authorization.trim()) : null;
  if (!match?.[1]) throw fail.unauthorized("Missing or malformed bearer token");
  return match[1];
}

interface VerifierOptions {
  issuer: string;
  audience: string;
  /** Where the public keys come from: only keys it can authenticate (`trustedKeySets` in keySet.ts). */
  fetchJwks: () => Promise<JSONWebKeySet>;
  /** Tokens whose lifetime (exp − iat) is longer than this are refused: no signer issues them. */
  maxLifetimeSeconds: number;
  log: Logger;
  /** Keys are refetched this often, so rotated keys are picked up without a restart. */
  refreshMs?: number;
  /** An unknown key id triggers a refetch at most this often, so forged kids cannot flood the users service. */
  unknownKidCooldownMs?: number;
  /** How many verified tokens to remember until they expire (0 turns the cache off). */
  cacheSize?: number;
  /** Ended sessions: their tokens are refused, also those already remembered. */
  revocations?: Revocations;
}

interface Verified {
  identity: Identity;
  kid: string;
  expiresAt: number;
}

/**
 * A verifier that checks signature, algorithm, issuer, audience and lifetime against the users
 * service's published keys, cached and refreshed in the background of calls.
 */
export function createJwksVerifier(opts: VerifierOptions): TokenVerifier {
  const refreshMs = opts.refreshMs ?? 5 * 60_000;
  const cooldownMs = opts.unknownKidCooldownMs ?? 10_000;
  const cacheSize = opts.cacheSize ?? 10_000;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = 0;
  let attemptedAt = 0;
  let inflight: Promise<void> | undefined;
  // A signature check costs far more than a map lookup; a token verified once stays valid until
  // its expiry unless its key leaves the published set.
  const verified = new Map<string, Verified>();
  // A withdrawn key: fetch the set now; remembered tokens of keys no longer published are dropped.
  opts.revocations?.onKeysChanged(() => {
    refresh().catch((error: unknown) => opts.log.warn("could not refresh signing keys", { error }));
  });
  opts.revocations?.onEnded((sessionId) => {
    if (sessionId === undefined) verified.clear();
    else
      for (const [token, entry] of verified)
        if (entry.identity.sessionId === sessionId) verified.delete(token);
  });

  const refresh = () => {
    if (!inflight) attemptedAt = Date.now();
    inflight ??= opts
      .fetchJwks()
      .then((jwks) => {
        keySet = createLocalJWKSet(jwks);
        fetchedAt = Date.now();
        const kids = new Set(jwks.keys.map((k) => k.kid));
        for (const [token, entry] of verified) if (!kids.has(entry.kid)) verified.delete(token);
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  const keys = async () => {
    if (!keySet) {
      await refresh().catch((error: unknown) => {
        opts.log.warn("could not fetch signing keys", { error });
        throw fail.unavailable("Cannot verify tokens right now: signing keys are unavailable");
      });
    } else if (Date.now() - fetchedAt > refreshMs) {
      refresh().catch((error: unknown) => opts.log.warn("could not refresh signing keys", { error }));
    }
    if (!keySet) throw fail.unavailable("Cannot verify tokens right now: signing keys are unavailable");
    return keySet;
  };

  const remember = (token: string, entry: Verified) => {
    if (cacheSize === 0) return;
    if (verified.size >= cacheSize) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    verified.set(token, entry);
  };

  const verifyWith = async (token: string): Promise<Identity> => {
    const { payload, protectedHeader } = await jwtVerify(token, await keys(), {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "iat", "sub", "sid"],
    });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw fail.unauthorized();
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > opts.maxLifetimeSeconds) {
      throw fail.unauthorized("Invalid access token");
    }
    if (await opts.revocations?.isEnded(payload.sid)) throw sessionEnded();
    const identity = { userId: payload.sub, sessionId: payload.sid };
    if (protectedHeader.kid && payload.exp) {
      remember(token, { identity, kid: protectedHeader.kid, expiresAt: payload.exp * 1000 });
    }
    return identity;
  };

  return async (authorization) => {
    const token = bearerToken(authorization);
    // Stale keys are refreshed before a remembered token is trusted, so a withdrawn key's tokens
    // stop working within the refresh interval even while they keep hitting the cache.
    // A failing refresh is retried at most once per cooldown, keeping the known keys meanwhile.
    const now = Date.now();
    if (keySet && now - fetchedAt > refreshMs && now - attemptedAt > cooldownMs) {
      await refresh().catch((error: unknown) => opts.log.warn("could not refresh signing keys", { error }));
    }
    const known = verified.get(token);
    if (known) {
      if (opts.revocations?.knownEnded(known.identity.sessionId)) {
        verified.delete(token);
        throw sessionEnded();
      }
      if (known.expiresAt > Date.now()) return known.identity;
      verified.delete(token);
    }
    try {
      return await verifyWith(token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && Date.now() - fetchedAt >= cooldownMs) {
        await refresh().catch(() => undefined);
        try {
          return await verifyWith(token);
        } catch (retryError) {
          throw asUnauthorized(retryError);
        }
      }
      throw asUnauthorized(error);
    }
  };
}

const sessionEnded = () => fail.unauthorized("This session has ended; sign in again");

function asUnauthorized(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof joseErrors.JWTExpired) return fail.unauthorized("Access token has expired");
  return fail.unauthorized("Invalid access token");
}
