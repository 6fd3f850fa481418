import type { users } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import type { UsersDeps } from "./deps.ts";

/**
 * Ends the current session (and the one of the given refresh token, if it is the caller's): their
 * refresh tokens stop working, and their access tokens and live streams end everywhere.
 */
export const signOut =
  ({ sessions }: UsersDeps): HandlerFor<typeof users.procedures.signOut> =>
  async (input, ctx) => {
    await sessions.end(ctx.user.userId, ctx.user.sessionId, input?.refreshToken);
    return { ok: true };
  };
