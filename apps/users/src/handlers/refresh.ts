import type { users } from "@portico/contracts";
import type { HandlerFor } from "@portico/kit";
import type { UsersDeps } from "./deps.ts";

/** Trades a refresh token for a new session; the old token stops working. */
export const refresh =
  ({ sessions }: UsersDeps): HandlerFor<typeof users.procedures.refresh> =>
  ({ refreshToken }) =>
    sessions.rotate(refreshToken);
