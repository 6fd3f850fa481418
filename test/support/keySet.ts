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
  /** What the users service is given on top. */
  usersEnv: { KEY_SET_PRIVATE_KEY_FILE: string };
}

/** Makes a fresh key-set key pair, the private half in a temp file (mode 0600). */
export async function newTestKeySet(): Promise<TestKeySet> {
  const { privateJwk, publicJwk } = await newKeySetKeyPair();
  const privateFile = join(mkdtempSync(join(tmpdir(), "portico-keyset-")), "key-set.jwk");
  writeFileSync(privateFile, JSON.stringify(privateJwk), { mode: 0o600 });
  return {
    privateFile,
    publicJwk,
    env: { KEY_SET_PUBLIC_KEY: JSON.stringify(publicJwk) },
    usersEnv: { KEY_SET_PRIVATE_KEY_FILE: privateFile },
  };
}

/** One key set shared by the in-process services of this test process. */
export const sharedKeySet = await newTestKeySet();
