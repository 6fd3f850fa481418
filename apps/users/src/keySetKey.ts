import { ConfigError } from "@portico/kit";
import type { JWK } from "jose";
import { z } from "zod";

const PrivateEcJwk = z.looseObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string(),
  y: z.string(),
  d: z.string(),
});

const invalid = (detail: string) => new ConfigError(`Invalid configuration:\n  ${detail}`);

/**
 * The private key the published key set is signed with, from `KEY_SET_PRIVATE_KEY_FILE` or inline
 * `KEY_SET_PRIVATE_KEY`; missing or malformed, the service does not start.
 */
export async function readKeySetKey(env: {
  KEY_SET_PRIVATE_KEY_FILE?: string | undefined;
  KEY_SET_PRIVATE_KEY?: string | undefined;
}): Promise<JWK> {
  const path = env.KEY_SET_PRIVATE_KEY_FILE;
  const variable = path ? "KEY_SET_PRIVATE_KEY_FILE" : "KEY_SET_PRIVATE_KEY";
  let text = env.KEY_SET_PRIVATE_KEY;
  if (path) {
    text = await Bun.file(path)
      .text()
      .catch(() => {
        throw invalid(`KEY_SET_PRIVATE_KEY_FILE: cannot read ${path}`);
      });
  }
  if (!text) {
    throw invalid(
      "KEY_SET_PRIVATE_KEY_FILE or KEY_SET_PRIVATE_KEY: required; the users service signs the key set it " +
        "publishes with it (`bun run start` makes one in .secrets/; docs/security.md)",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(`${variable}: must be a JWK in JSON`);
  }
  const parsed = PrivateEcJwk.safeParse(json);
  if (!parsed.success) throw invalid(`${variable}: must be a private EC P-256 JWK (bun run users:new-key)`);
  return parsed.data;
}
