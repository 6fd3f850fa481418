import type { users } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import type { UsersDeps } from "./deps.ts";

/** The public keys access tokens are verified with. */
export const jwks =
  ({ keys }: UsersDeps): HandlerFor<typeof users.procedures.jwks> =>
  () =>
    keys.jwks();
