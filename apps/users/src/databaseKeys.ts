import { ACCESS_TOKEN_ALG } from "@portico/kit";
import { and, desc, eq, gt, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { type KeyVault, SealedKey } from "./keyEncryption.ts";
import * as schema from "./schema.ts";
import type { KeySource } from "./signingKeys.ts";

type Db = PostgresJsDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const lockKeys = (tx: Tx) => tx.execute(sql`select pg_advisory_xact_lock(hashtext('users.signing_keys'))`);

/** Retires the current keys, dropping their private parts (a retired key never signs again). */
const retireCurrent = (tx: Tx) =>
  tx
    .update(schema.signingKeys)
    .set({ retiredAt: new Date(), privateJwk: null, sealedPrivateKey: null })
    .where(isNull(schema.signingKeys.retiredAt));

/** Creates a new signing key and retires the current ones; returns the new key id. */
export async function rotateSigningKey(db: Db, vault: KeyVault): Promise<string> {
  return db.transaction(async (tx) => {
    await lockKeys(tx);
    await retireCurrent(tx);
    return insertKey(tx, vault);
  });
}

/**
 * Withdraws a key at once (it leaked, say): it is no longer published, so every token it signed
 * stops verifying as soon as verifiers refresh their key set, and its private part is deleted. If
 * it was signing, a new key takes over. Returns false when no such key exists.
 */
export async function revokeSigningKey(db: Db, vault: KeyVault, kid: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockKeys(tx);
    const [key] = await tx
      .select({ retiredAt: schema.signingKeys.retiredAt })
      .from(schema.signingKeys)
      .where(eq(schema.signingKeys.kid, kid));
    if (!key) return false;
    if (!key.retiredAt) await insertKey(tx, vault);
    await tx
      .update(schema.signingKeys)
      .set({
        revokedAt: new Date(),
        retiredAt: key.retiredAt ?? new Date(),
        privateJwk: null,
        sealedPrivateKey: null,
      })
      .where(eq(schema.signingKeys.kid, kid));
    return true;
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

async function insertKey(tx: Pick<Db, "insert">, vault: KeyVault): Promise<string> {
  const { kid, privateJwk, publicJwk } = await newKeyPair();
  await tx.insert(schema.signingKeys).values({
    kid,
    publicJwk,
    alg: ACCESS_TOKEN_ALG,
    sealedPrivateKey: await vault.seal(privateJwk),
    kekId: vault.id,
  });
  return kid;
}

/**
 * Keys created before private keys were sealed: the current one is sealed, retired ones lose
 * their private part. Runs at start; afterwards no plaintext private key is left.
 */
async function sealLegacyKeys(db: Db, vault: KeyVault): Promise<void> {
  await db.transaction(async (tx) => {
    await lockKeys(tx);
    const legacy = await tx
      .select({ kid: schema.signingKeys.kid, privateJwk: schema.signingKeys.privateJwk })
      .from(schema.signingKeys)
      .where(and(isNotNull(schema.signingKeys.privateJwk), isNull(schema.signingKeys.retiredAt)));
    for (const { kid, privateJwk } of legacy) {
      if (!privateJwk) continue;
      await tx
        .update(schema.signingKeys)
        .set({ sealedPrivateKey: await vault.seal(privateJwk), kekId: vault.id, privateJwk: null })
        .where(eq(schema.signingKeys.kid, kid));
    }
    await tx
      .update(schema.signingKeys)
      .set({ privateJwk: null, sealedPrivateKey: null })
      .where(isNotNull(schema.signingKeys.retiredAt));
  });
}

/** Makes sure a current key sealed with this vault's key exists (creating one on first start) and loads it. */
async function currentKey(db: Db, vault: KeyVault) {
  const mine = and(isNull(schema.signingKeys.retiredAt), eq(schema.signingKeys.kekId, vault.id));
  const newest = () =>
    db
      .select({ kid: schema.signingKeys.kid, sealed: schema.signingKeys.sealedPrivateKey })
      .from(schema.signingKeys)
      .where(mine)
      .orderBy(desc(schema.signingKeys.createdAt))
      .limit(1);
  let [row] = await newest();
  if (!row) {
    await db.transaction(async (tx) => {
      await lockKeys(tx);
      const [again] = await tx
        .select({ kid: schema.signingKeys.kid })
        .from(schema.signingKeys)
        .where(mine)
        .limit(1);
      if (!again) await insertKey(tx, vault);
    });
    [row] = await newest();
  }
  if (!row?.sealed) throw new Error("no sealed current signing key");
  return { kid: row.kid, privateJwk: await vault.open(SealedKey.parse(row.sealed)) };
}

/**
 * Keys kept in the users schema, shared by every instance, their private parts sealed with the
 * key-encryption key: created on first start, rotated with `bun run users:rotate-key`, withdrawn
 * with `bun run users:revoke-key`; retired keys stay published (public part only) until every
 * token they signed has expired, revoked ones not at all.
 */
export async function databaseKeySource(
  db: Db,
  vault: KeyVault,
  accessTtlSeconds: number,
): Promise<KeySource> {
  await sealLegacyKeys(db, vault);
  return {
    current: () => currentKey(db, vault),
    async published() {
      const cutoff = new Date(Date.now() - (accessTtlSeconds + 60) * 1000);
      const rows = await db
        .select({ publicJwk: schema.signingKeys.publicJwk })
        .from(schema.signingKeys)
        .where(
          and(
            isNull(schema.signingKeys.revokedAt),
            or(isNull(schema.signingKeys.retiredAt), gt(schema.signingKeys.retiredAt, cutoff)),
          ),
        );
      return rows.map((r) => r.publicJwk);
    },
  };
}
