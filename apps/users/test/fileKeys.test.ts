import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { users } from "@portico/contracts";
import { createCaller, newRequestContext, type RunningService, ServiceError } from "@portico/kit";
import { decodeProtectedHeader } from "jose";
import { uniqueNamespace } from "../../../test/support/env.ts";
import { deleteJetStreamState, uniqueEmail } from "../../../test/support/stack.ts";
import { newKeyPair } from "../src/databaseKeys.ts";
import { startUsersService } from "../src/service.ts";
import { testUsersEnv } from "./support.ts";

// Signing keys from a file the operator manages: rotation by putting a new key first, retirement by removing one.
const keyFile = join(mkdtempSync(join(tmpdir(), "portico-keys-")), "signing-keys.json");
const env = testUsersEnv({ JWT_SIGNING_KEYS_FILE: keyFile, SIGNING_KEYS_RELOAD_MS: "50" });
let service: RunningService;
const call = () => createCaller(service.runtime.nc, env.PORTICO_NAMESPACE);
const ctx = (token?: string) => newRequestContext(3000, token ? { authorization: `Bearer ${token}` } : {});
const writeKeys = (keys: unknown[]) => writeFileSync(keyFile, JSON.stringify({ keys }));
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

const first = await newKeyPair();
const second = await newKeyPair();

beforeAll(async () => {
  writeKeys([first.privateJwk]);
  service = await startUsersService(env);
}, 30_000);

afterAll(async () => {
  await service?.stop();
  await deleteJetStreamState(env.PORTICO_NAMESPACE);
});

async function meWith(token: string): Promise<string> {
  return call()
    .call(users.procedures.me, undefined, ctx(token))
    .then(
      (u) => u.id,
      (e: unknown) => (e instanceof ServiceError ? e.code : String(e)),
    );
}

describe("signing keys from a file", () => {
  test("rotate by putting a new key first; retire the old one by removing it", async () => {
    const email = uniqueEmail("filekeys");
    const before = await call().call(
      users.procedures.signUp,
      { email, password: "password-for-tests", name: "K" },
      ctx(),
    );
    expect(kidOf(before.accessToken)).toBe(first.kid);
    const published = await call().call(users.procedures.jwks, undefined, ctx());
    expect(published.keys.map((k) => k.kid)).toEqual([first.kid]);
    expect(JSON.stringify(published)).not.toContain(`"d":`);

    writeKeys([second.privateJwk, first.privateJwk]);
    await Bun.sleep(200);
    const after = await call().call(
      users.procedures.signIn,
      { email, password: "password-for-tests" },
      ctx(),
    );
    expect(kidOf(after.accessToken)).toBe(second.kid);
    expect(await meWith(before.accessToken)).toBe(before.user.id);
    expect(await meWith(after.accessToken)).toBe(before.user.id);

    writeKeys([second.privateJwk]);
    await Bun.sleep(200);
    expect(await meWith(after.accessToken)).toBe(before.user.id);
    expect(await meWith(before.accessToken)).toBe("UNAUTHORIZED");
  });

  test("a malformed key file stops the service with a message naming the file", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "portico-keys-")), "bad.json");
    writeFileSync(bad, JSON.stringify({ keys: [{ kty: "EC", kid: "x" }] }));
    const failing = startUsersService({
      ...env,
      PORTICO_NAMESPACE: uniqueNamespace(),
      JWT_SIGNING_KEYS_FILE: bad,
    });
    expect(failing).rejects.toThrow(bad);
    await failing.catch(() => undefined);
  });
});
