import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newKeySetKeyPair } from "@portico/kit";
import type { JWK } from "jose";

/** A key-set signing key for a test system: its private JWK in a file (for users), its public half to pin. */
export interface TestKeySet {
  privateFile: string;
  publicJwk: JWK;
  /** What every process of the system is given. */
  env: { KEY_SET_PUBLIC_KEY: string };
  /** What the users service is given on top (with the key its private signing keys are sealed with). */
  usersEnv: { KEY_SET_PRIVATE_KEY_FILE: string; SIGNING_KEYS_KEK: string };
}

/**
 * The key-encryption key of signing keys in tests: the same for every run, so test runs share one
 * signing key in the shared database (a dev stack on that database has a key of its own).
 */
const sharedKek = new Bun.CryptoHasher("sha256")
  .update("portico test signing-key encryption")
  .digest("base64url");

/** Makes a fresh key-set key pair, the private half in a temp file (mode 0600). */
export async function newTestKeySet(): Promise<TestKeySet> {
  const { privateJwk, publicJwk } = await newKeySetKeyPair();
  const privateFile = join(mkdtempSync(join(tmpdir(), "portico-keyset-")), "key-set.jwk");
  writeFileSync(privateFile, JSON.stringify(privateJwk), { mode: 0o600 });
  return {
    privateFile,
    publicJwk,
    env: { KEY_SET_PUBLIC_KEY: JSON.stringify(publicJwk) },
    usersEnv: { KEY_SET_PRIVATE_KEY_FILE: privateFile, SIGNING_KEYS_KEK: sharedKek },
  };
}

/** One key set shared by the in-process services of this test process. */
export const sharedKeySet = await newTestKeySet();
