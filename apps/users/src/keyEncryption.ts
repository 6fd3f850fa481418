import { ConfigError } from "@portico/kit";
import type { JWK } from "jose";
import { z } from "zod";

/**
 * Envelope encryption of private signing keys at rest: each key is sealed with a fresh data key
 * (AES-256-GCM), and the data key is wrapped with the key-encryption key from the environment
 * (`SIGNING_KEYS_KEK`, 32 bytes in base64url). The database alone never yields a private key.
 */
export interface SealedKey {
  v: 1;
  /** The data key, AES-GCM-encrypted with the key-encryption key: iv ‖ ciphertext, base64url. */
  wrapped: string;
  /** The private JWK, AES-GCM-encrypted with the data key: iv ‖ ciphertext, base64url. */
  sealed: string;
}

export const SealedKey = z.object({ v: z.literal(1), wrapped: z.string(), sealed: z.string() });

type Bytes = Uint8Array<ArrayBuffer>;

const b64 = {
  encode: (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url"),
  decode: (text: string): Bytes => new Uint8Array(Buffer.from(text, "base64url")),
};

async function seal(key: CryptoKey, plain: Bytes): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plain));
  const out = new Uint8Array(iv.length + cipher.length);
  out.set(iv);
  out.set(cipher, iv.length);
  return b64.encode(out);
}

async function open(key: CryptoKey, text: string): Promise<Bytes> {
  const bytes = b64.decode(text);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) },
    key,
    bytes.slice(12),
  );
  return new Uint8Array(plain);
}

const aes = (raw: Bytes) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);

/** Seals and opens private JWKs with one key-encryption key. */
export interface KeyVault {
  /** Names the key-encryption key without revealing it (a truncated SHA-256). */
  readonly id: string;
  seal(privateJwk: JWK): Promise<SealedKey>;
  open(sealed: SealedKey): Promise<JWK>;
}

/** A vault from the base64url key-encryption key; a missing or malformed one stops the start. */
export async function createKeyVault(kek: string | undefined): Promise<KeyVault> {
  const raw = b64.decode(kek ?? "");
  if (raw.length !== 32) {
    throw new ConfigError(
      "Invalid configuration:\n  SIGNING_KEYS_KEK: required, 32 random bytes in base64url (private signing " +
        "keys are encrypted with it at rest; `bun run start` makes one in .secrets/)",
    );
  }
  const master = await aes(raw);
  const encoder = new TextEncoder();
  return {
    id: new Bun.CryptoHasher("sha256").update(raw).digest("base64url").slice(0, 16),
    async seal(privateJwk) {
      const dataKey = crypto.getRandomValues(new Uint8Array(32));
      return {
        v: 1,
        wrapped: await seal(master, dataKey),
        sealed: await seal(await aes(dataKey), encoder.encode(JSON.stringify(privateJwk))),
      };
    },
    async open(sealedKey) {
      const dataKey = await open(master, sealedKey.wrapped);
      return JSON.parse(new TextDecoder().decode(await open(await aes(dataKey), sealedKey.sealed))) as JWK;
    },
  };
}

/** A new key-encryption key, base64url. */
export const newKeyEncryptionKey = () => b64.encode(crypto.getRandomValues(new Uint8Array(32)));
