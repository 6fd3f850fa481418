// Compile-only: `bun run typecheck` fails if a contract stops catching these mistakes.
import type { AppRouter, RouterInputs, RouterOutputs } from "@portico/client";
import type { users } from "@portico/contracts";
import type { HandlerFor, Handlers } from "@portico/kit";

declare const get: HandlerFor<typeof users.procedures.get>;
declare const me: HandlerFor<typeof users.procedures.me>;

// A handler must return the contract's output shape.
// @ts-expect-error `name` is missing from PublicUser
export const wrongShape: HandlerFor<typeof users.procedures.get> = async ({ id }) => ({ id });

// Every request procedure of a contract needs a handler.
// @ts-expect-error signIn, refresh, … are missing
export const missingHandlers: Handlers<typeof users> = { get, me };

// Internal procedures are not part of the public API.
// @ts-expect-error users.jwks is internal
export type NoJwks = RouterOutputs["users"]["jwks"];

// The frontend sees exact input and output types.
export const signUpInput: RouterInputs["users"]["signUp"] = {
  email: "a@b.c",
  password: "12345678",
  name: "A",
};
export const badCharge: RouterInputs["payments"]["charge"] = {
  // @ts-expect-error amount must be a number of minor units
  amount: "10",
  currency: "USD",
  source: "tok_visa",
  idempotencyKey: "k",
};
export type MeOutput = RouterOutputs["users"]["me"]["email"];
export type Router = AppRouter;
