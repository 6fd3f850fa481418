import { describe, expect, test } from "bun:test";
import { ConfigError, newKeySetKeyPair } from "@portico/kit";
import { sharedKeySet } from "../../../test/support/keySet.ts";
import { readKeySetKey } from "../src/keySetKey.ts";

describe("the key-set signing key", () => {
  test("comes from the file or inline; the file wins", async () => {
    const inline = await newKeySetKeyPair();
    const fromFile = await readKeySetKey({
      KEY_SET_PRIVATE_KEY_FILE: sharedKeySet.privateFile,
      KEY_SET_PRIVATE_KEY: JSON.stringify(inline.privateJwk),
    });
    expect(fromFile.x).toBe(sharedKeySet.publicJwk.x);
    expect((await readKeySetKey({ KEY_SET_PRIVATE_KEY: JSON.stringify(inline.privateJwk) })).x).toBe(
      inline.privateJwk.x,
    );
  });

  test("missing, unreadable, not JSON or a public key: the service does not start, and says why", async () => {
    const { publicJwk } = await newKeySetKeyPair();
    const cases: Array<[Parameters<typeof readKeySetKey>[0], RegExp]> = [
      [{}, /KEY_SET_PRIVATE_KEY_FILE or KEY_SET_PRIVATE_KEY: required/],
      [{ KEY_SET_PRIVATE_KEY_FILE: "/nonexistent/key.jwk" }, /cannot read/],
      [{ KEY_SET_PRIVATE_KEY: "not json" }, /must be a JWK in JSON/],
      [{ KEY_SET_PRIVATE_KEY: JSON.stringify(publicJwk) }, /must be a private EC P-256 JWK/],
    ];
    for (const [env, message] of cases) {
      const attempt = readKeySetKey(env);
      expect(attempt).rejects.toThrow(ConfigError);
      expect(attempt).rejects.toThrow(message);
      await attempt.catch(() => undefined);
    }
  });
});
