import type { users } from "@portico/contracts";
import type { Handlers } from "@portico/kit";
import type { UsersDeps } from "./deps.ts";
import { get } from "./get.ts";
import { jwks } from "./jwks.ts";
import { me } from "./me.ts";
import { refresh } from "./refresh.ts";
import { signIn } from "./signIn.ts";
import { signOut } from "./signOut.ts";
import { signUp } from "./signUp.ts";
import { updateProfile } from "./updateProfile.ts";

export type { UsersDeps } from "./deps.ts";

/** Every capability of the users service. */
export const createHandlers = (deps: UsersDeps): Handlers<typeof users> => ({
  signUp: signUp(deps),
  signIn: signIn(deps),
  refresh: refresh(deps),
  signOut: signOut(deps),
  me: me(deps),
  updateProfile: updateProfile(deps),
  get: get(deps),
  jwks: jwks(deps),
});
