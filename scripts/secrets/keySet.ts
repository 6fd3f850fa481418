import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { newKeySetKeyPair } from "@portico/kit";
import { newKeyEncryptionKey } from "../../apps/users/src/keyEncryption.ts";
import { root, writePrivateFile } from "../nats/paths.ts";

/** The local key-set signing key (private JWK, mode 0600): the users service signs its published keys with it. */
export const keySetPath = join(root, ".secrets", "key-set.jwk");

/**
 * The local key-set key, made on first use: its file for the users service and its public half,
 * which every other process pins (`KEY_SET_PUBLIC_KEY`).
 */
export async function ensureKeySet(): Promise<{ privateFile: string; publicJwk: string }> {
  if (!existsSync(keySetPath)) {
    const { privateJwk } = await newKeySetKeyPair();
    writePrivateFile(keySetPath, `${JSON.stringify(privateJwk)}\n`);
  }
  const { d: _private, ...publicJwk } = JSON.parse(readFileSync(keySetPath, "utf8")) as Record<
    string,
    unknown
  >;
  return { privateFile: keySetPath, publicJwk: JSON.stringify(publicJwk) };
}

/** The local key-encryption key of private signing keys (base64url, mode 0600). */
export const signingKeysKekPath = join(root, ".secrets", "signing-keys.kek");

/** The local key-encryption key of private signing keys, made on first use. */
export function ensureSigningKeysKek(): string {
  if (!existsSync(signingKeysKekPath)) {
    writePrivateFile(signingKeysKekPath, `${newKeyEncryptionKey()}\n`);
  }
  return readFileSync(signingKeysKekPath, "utf8").trim();
}
