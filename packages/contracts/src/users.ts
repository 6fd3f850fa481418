import { z } from "zod";
import { defineEvent } from "./events.ts";
import { email, id, noInput, plainText, text, timestamp } from "./fields.ts";
import { defineService, mutation, query } from "./procedure.ts";

export const User = z.object({ id, email: z.string(), name: z.string(), createdAt: timestamp });
export type User = z.infer<typeof User>;

export const PublicUser = z.object({ id, name: z.string() });
export type PublicUser = z.infer<typeof PublicUser>;

export const Session = z.object({
  user: User,
  accessToken: z.string(),
  refreshToken: z.string(),
  /** When the access token expires. */
  expiresAt: timestamp,
});
export type Session = z.infer<typeof Session>;

const password = text().min(8, "Must be at least 8 characters").max(128, "Must be at most 128 characters");
const name = plainText(1, 100);
const refreshToken = text().min(1).max(512);

/** A public signing key as published in the JWKS. */
export const PublicJwk = z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string() });

export const users = defineService("users", {
  signUp: mutation({
    access: "public",
    limit: "auth",
    input: z.object({ email, password, name }),
    output: Session,
  }),
  signIn: mutation({
    access: "public",
    limit: "auth",
    input: z.object({ email: text().trim().min(1).max(254), password: text().min(1).max(128) }),
    output: Session,
  }),
  refresh: mutation({ access: "public", limit: "auth", input: z.object({ refreshToken }), output: Session }),
  signOut: mutation({
    access: "user",
    input: z.object({ refreshToken: refreshToken.optional() }).optional(),
    output: z.object({ ok: z.literal(true) }),
  }),
  me: query({ access: "user", input: noInput, output: User }),
  updateProfile: mutation({ access: "user", input: z.object({ name }), output: User }),
  get: query({ access: "user", input: z.object({ id }), output: PublicUser }),
  /**
   * The public keys access tokens are signed with, and the same set signed with the key-set key
   * (`signed`, a JWT whose payload is `{ keys }`): verifiers use only what `signed` holds.
   */
  jwks: query({
    access: "internal",
    input: noInput,
    output: z.object({ keys: z.array(PublicJwk), signed: z.string() }),
  }),
});

export const userEvents = {
  created: defineEvent("user.created", 1, z.object({ userId: id, name: z.string(), createdAt: timestamp })),
  updated: defineEvent("user.updated", 1, z.object({ userId: id, name: z.string(), updatedAt: timestamp })),
};
