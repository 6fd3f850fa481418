import { users } from "@portico/contracts";
import { createJwksVerifier, type TokenVerifier } from "./auth.ts";
import type { Caller } from "./call.ts";
import { newRequestContext } from "./context.ts";
import type { CommonEnv } from "./env.ts";
import { trustedKeySets } from "./keySet.ts";
import type { Logger } from "./log.ts";
import type { Revocations } from "./revocations.ts";

/**
 * The token verifier of a process other than the users service: keys come from `users.jwks` and
 * are used only when signed by the pinned key-set key (or from `JWKS_FILE`); a token must not
 * outlive the access-token lifetime, nor belong to a session that has ended.
 */
export function createTokenVerifier(
  env: CommonEnv,
  caller: Caller,
  log: Logger,
  revocations?: Revocations,
): TokenVerifier {
  return createJwksVerifier({
    ...(revocations ? { revocations } : {}),
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    log,
    maxLifetimeSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    unknownKidCooldownMs: env.KEY_SET_REFETCH_COOLDOWN_MS,
    fetchJwks: trustedKeySets({
      pinned: env.KEY_SET_PUBLIC_KEY,
      jwksFile: env.JWKS_FILE,
      issuer: env.JWT_ISSUER,
      fetchSigned: () =>
        caller.call(users.procedures.jwks, undefined, newRequestContext(env.REQUEST_TIMEOUT_MS)),
    }),
  });
}
