import { ACCESS_TOKEN_ALG } from "@portico/kit";
import { z } from "zod";
import type { PublishedJwk } from "./schema.ts";
import type { KeySource } from "./signingKeys.ts";

const PrivateJwk = z.looseObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string(),
  y: z.string(),
  d: z.string(),
  kid: z.string().min(1),
  alg: z.literal(ACCESS_TOKEN_ALG).default(ACCESS_TOKEN_ALG),
});
const KeyFile = z.object({ keys: z.array(PrivateJwk).min(1, "Must hold at least one key") });

async function read(path: string) {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new Error(`Signing key file ${path} does not exist`);
  const parsed = KeyFile.safeParse(await file.json().catch(() => undefined));
  if (!parsed.success)
    throw new Error(`Signing key file ${path} is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data.keys;
}

/**
 * Keys from a JSON file `{ "keys": [privateJwk, …] }` (ES256, each with a `kid`), e.g. a mounted
 * secret. The first key signs; every key in the file is published. To rotate, put a new key first
 * (`bun run users:new-key` prints one) and remove the old one once its tokens have expired; every
 * instance re-reads the file within its reload interval.
 */
export function fileKeySource(path: string): KeySource {
  return {
    async current() {
      const [first] = await read(path);
      if (!first) throw new Error(`Signing key file ${path} holds no key`);
      return { kid: first.kid, privateJwk: first };
    },
    async published() {
      return (await read(path)).map(({ d: _private, ...pub }): PublishedJwk => ({ ...pub, use: "sig" }));
    },
  };
}
