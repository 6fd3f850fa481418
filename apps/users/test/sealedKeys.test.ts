import { afterAll, describe, expect, test } from "bun:test";

import { createDatabase } from "@portico/kit/db";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { serviceDatabaseUrl } from "../../../test/support/env.ts";
import { databaseKeySource, newKeyPair, revokeSigningKey, rotateSigningKey } from "../src/databaseKeys.ts";
import { createKeyVault, type KeyVault, newKeyEncryptionKey } from "../src/keyEncryption.ts";
import * as schema from "../src/schema.ts";

// Private signing keys at rest: sealed with the key-encryption key, gone once retired or revoked.
const database = createDatabase(serviceDatabaseUrl("users"), schema, {
  max: 2,
  appName: "users-sealed-test",
});
const db = database.db;

/** Vaults of this file's own, so its keys stay apart from any other deployment on the database. */
const vaults: KeyVault[] = [];
async function ownVault(): Promise<KeyVault> {
  const vault = await createKeyVault(newKeyEncryptionKey());
  vaults.push(vault);
  return vault;
}

// Its keys retire with it, so the published set does not grow run after run.
afterAll(async () => {
  for (const vault of vaults) {
    await db
      .update(schema.signingKeys)
      .set({ retiredAt: new Date(), sealedPrivateKey: null })
      .where(and(eq(schema.signingKeys.kekId, vault.id), isNull(schema.signingKeys.retiredAt)));
  }
});

async function rowsOf(kids: string[]) {
  return db.select().from(schema.signingKeys).where(inArray(schema.signingKeys.kid, kids));
}

describe("signing keys at rest", () => {
  test("the current key is stored sealed: no private part in the row, and only the right key opens it", async () => {
    const vault = await ownVault();
    const source = await databaseKeySource(db, vault, 900);
    const current = await source.current();
    const [row] = await rowsOf([current.kid]);
    expect(row?.privateJwk).toBeNull();
    expect(row?.kekId).toBe(vault.id);
    expect(JSON.stringify(row?.sealedPrivateKey)).not.toContain(String(current.privateJwk.d));
    const stranger = await ownVault();
    expect(stranger.open(row?.sealedPrivateKey as never)).rejects.toThrow();
    expect(await vault.open(row?.sealedPrivateKey as never)).toEqual(current.privateJwk);
  });

  test("a plaintext key from before sealing is sealed at start; retired ones lose their private part", async () => {
    const vault = await ownVault();
    const legacyCurrent = await newKeyPair();
    const legacyRetired = await newKeyPair();
    await db.insert(schema.signingKeys).values([
      {
        kid: legacyCurrent.kid,
        alg: "ES256",
        privateJwk: legacyCurrent.privateJwk,
        publicJwk: legacyCurrent.publicJwk,
      },
      {
        kid: legacyRetired.kid,
        alg: "ES256",
        privateJwk: legacyRetired.privateJwk,
        publicJwk: legacyRetired.publicJwk,
        retiredAt: new Date(),
      },
    ]);
    await databaseKeySource(db, vault, 900);
    const rows = await rowsOf([legacyCurrent.kid, legacyRetired.kid]);
    const current = rows.find((r) => r.kid === legacyCurrent.kid);
    const retired = rows.find((r) => r.kid === legacyRetired.kid);
    expect(current?.privateJwk).toBeNull();
    expect(await vault.open(current?.sealedPrivateKey as never)).toEqual(legacyCurrent.privateJwk);
    expect(retired).toMatchObject({ privateJwk: null, sealedPrivateKey: null });
    await db
      .update(schema.signingKeys)
      .set({ retiredAt: new Date() })
      .where(eq(schema.signingKeys.kid, legacyCurrent.kid));
  });

  test("rotation and revocation delete private parts; a revoked key is no longer published", async () => {
    const vault = await ownVault();
    const source = await databaseKeySource(db, vault, 900);
    const first = (await source.current()).kid;
    const second = await rotateSigningKey(db, vault);
    expect((await rowsOf([first]))[0]).toMatchObject({ sealedPrivateKey: null, privateJwk: null });
    expect((await source.published()).map((k) => k.kid)).toContain(first);

    expect(await revokeSigningKey(db, vault, first)).toBe(true);
    expect((await source.published()).map((k) => k.kid)).not.toContain(first);
    // Revoking the signing key hands signing to a new one.
    expect(await revokeSigningKey(db, vault, second)).toBe(true);
    const third = (await source.current()).kid;
    expect(third).not.toBe(second);
    const published = (await source.published()).map((k) => k.kid);
    expect(published).toContain(third);
    expect(published).not.toContain(second);
    expect(await revokeSigningKey(db, vault, "no-such-kid")).toBe(false);
  });

  test("a missing or malformed key-encryption key stops the start", () => {
    expect(createKeyVault(undefined)).rejects.toThrow(/SIGNING_KEYS_KEK: required/);
    expect(createKeyVault("too-short")).rejects.toThrow(/SIGNING_KEYS_KEK/);
  });
});

afterAll(() => database.close());
