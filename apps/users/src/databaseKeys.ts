import { ACCESS_TOKEN_ALG } from "@portico/kit";
import { desc, gt, isNull, or, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import * as schema from "./schema.ts";
import type { KeySource } from "./signingKeys.ts";

type Db = PostgresJsDatabase<typeof schema>;

/** Creates a new signing key and retires the current ones; returns the new key id. */
export async function rotateSigningKey(db: Db): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('users.signing_keys'))`);
    await tx
      .update(schema.signingKeys)
      .set({ retiredAt: new Date() })
      .where(isNull(schema.signingKeys.retiredAt));
    return insertKey(tx);
  });
}

/** A new ES256 key pair as JWKs, the key id being the public key's thumbprint. */
export async function newKeyPair(): Promise<{
  kid: string;
  privateJwk: schema.PublishedJwk;
  publicJwk: schema.PublishedJwk;
}> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg: ACCESS_TOKEN_ALG, use: "sig", kty: publicJwk.kty ?? "EC" };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...publicJwk, ...meta },
  };
}

async function insertKey(tx: Pick<Db, "insert">): Promise<string> {
  const pair = await newKeyPair();
  await tx.insert(schema.signingKeys).values({ ...pair, alg: ACCESS_TOKEN_ALG });
  return pair.kid;
}

/** Makes sure a current key exists (creating one on first start) and loads it. */
async function currentKey(db: Db) {
  const newest = () =>
    db
      .select()
      .from(schema.signingKeys)
      .where(isNull(schema.signingKeys.retiredAt))
      .orderBy(desc(schema.signingKeys.createdAt))
      .limit(1);
  const [row] = await newest();
  if (row) return row;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('users.signing_keys'))`);
    const [again] = await tx
      .select({ kid: schema.signingKeys.kid })
      .from(schema.signingKeys)
      .where(isNull(schema.signingKeys.retiredAt))
      .limit(1);
    if (!again) await insertKey(tx);
  });
  const [created] = await newest();
  if (!created) throw new Error("no signing key after creating one");
  return created;
}

/**
 * Keys kept in the users schema, shared by every instance: created on first start, rotated with
 * `bun run users:rotate-key`; retired keys stay published until every token they signed has expired.
 */
export function databaseKeySource(db: Db, accessTtlSeconds: number): KeySource {
  return {
    current: () => currentKey(db),
    async published() {
      const cutoff = new Date(Date.now() - (accessTtlSeconds + 60) * 1000);
      const rows = await db
        .select({ publicJwk: schema.signingKeys.publicJwk })
        .from(schema.signingKeys)
        .where(or(isNull(schema.signingKeys.retiredAt), gt(schema.signingKeys.retiredAt, cutoff)));
      return rows.map((r) => r.publicJwk);
    },
  };
}
