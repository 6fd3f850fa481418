import { outboxTable } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { JWK } from "jose";
import type { SealedKey } from "./keyEncryption.ts";

/** A JWK as Portico publishes it: key type, id and algorithm always set. */
export type PublishedJwk = JWK & { kty: string; kid: string; alg: string };

/** Everything the users service stores, in its own Postgres schema. */
export const usersSchema = pgSchema("users");

const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();

export const users = usersSchema.table(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text().notNull(),
    passwordHash: text().notNull(),
    createdAt: createdAt(),
    updatedAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`)],
);

/** Refresh tokens, stored only as hashes; a family is one sign-in and every token rotated from it. */
/**
 * Failed sign-ins per account (keyed by a hash of the lowercased email, whether or not an account
 * has it, so the answer reveals nothing): past a few, each try must wait a growing delay.
 */
export const signInFailures = usersSchema.table("sign_in_failures", {
  emailHash: text().primaryKey(),
  failures: integer().notNull(),
  blockedUntil: timestamp({ withTimezone: true }),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const refreshTokens = usersSchema.table(
  "refresh_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid().notNull(),
    tokenHash: text().notNull().unique("refresh_tokens_token_hash_key"),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.familyId), index().on(t.userId)],
);

/** Access-token signing keys. The newest unretired key signs; retired keys stay published until their tokens expire. */
export const signingKeys = usersSchema.table("signing_keys", {
  kid: text().primaryKey(),
  alg: text().notNull(),
  /**
   * Plaintext private key of a key created before keys were sealed; the service seals it (or,
   * retired, drops it) at start, so it is null everywhere afterwards.
   */
  privateJwk: jsonb().$type<JWK>(),
  /** The private key sealed with the key-encryption key (keyEncryption.ts); null once retired or revoked. */
  sealedPrivateKey: jsonb().$type<SealedKey>(),
  /**
   * Which key-encryption key sealed it (`KeyVault.id`). Each deployment signs with the newest key
   * of its own; keys of several (a dev stack and a test run sharing one database) coexist.
   */
  kekId: text(),
  publicJwk: jsonb().$type<PublishedJwk>().notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp({ withTimezone: true }),
  /** Withdrawn at once (`users:revoke-key`): no longer published, so its tokens stop verifying. */
  revokedAt: timestamp({ withTimezone: true }),
});

export const outbox = outboxTable(usersSchema);
