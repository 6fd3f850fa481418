import type { users } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import type { UsersDeps } from "./deps.ts";

/**
 * Ends the current session (and the one of the given refresh token, if it is the caller's), and
 * announces it so live streams opened with that session close.
 */
export const signOut =
  ({ sessions, announceSessionEnded }: UsersDeps): HandlerFor<typeof users.procedures.signOut> =>
  async (input, ctx) => {
    const ended = await sessions.end(ctx.user.userId, ctx.user.sessionId, input?.refreshToken);
    for (const sessionId of ended) announceSessionEnded(sessionId);
    return { ok: true };
  };
