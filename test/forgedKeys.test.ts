import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { payments, users } from "@portico/contracts";
import {
  createCaller,
  encodeJson,
  newKeySetKeyPair,
  newRequestContext,
  procedureSubject,
  ServiceError,
  signKeySet,
} from "@portico/kit";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { connect, type NatsConnection } from "nats";
import { ThrowawayNats } from "../packages/kit/test/support/natsServer.ts";
import { errorCode } from "./support/errors.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";
import { signToken } from "./support/tokens.ts";

// An attacker on a bus without authentication (PORTICO_INSECURE_NATS=1 forced) answers users.jwks
// with a key of their own and presents tokens it signed for a victim. Verifiers use only key sets
// signed by the pinned key-set key, so the forged key is never accepted, by the gateway or a service.
let nats: ThrowawayNats;
let stack: Stack;
let attacker: NatsConnection;
let victim: { id: string; accessToken: string };
let jwksAnswered = 0;

beforeAll(async () => {
  nats = new ThrowawayNats();
  await nats.start();
  stack = await Stack.start({
    services: ["users", "payments"],
    env: { NATS_URL: nats.url, KEY_SET_REFETCH_COOLDOWN_MS: "0" },
  });
  const session = await stack
    .client()
    .users.signUp.mutate({ email: uniqueEmail("victim"), password: "correct horse", name: "Victim" });
  victim = { id: session.user.id, accessToken: session.accessToken };
  // The victim's own token works, so the gateway and payments have the real keys already.
  await stack.client(() => victim.accessToken).payments.list.query({});

  // The attacker answers users.jwks in place of the users service, which is gone now.
  await stack.stopService("users");
  attacker = await connect({ servers: nats.url });
  const evilKeySetKey = await newKeySetKeyPair();
  const evil = await evilTokenKey();
  const forgedSet = { keys: [evil.publicJwk] };
  attacker.subscribe(procedureSubject(stack.namespace, users.procedures.jwks), {
    callback: (_error, msg) => {
      jwksAnswered++;
      void signKeySet(forgedSet.keys, evilKeySetKey.privateJwk, "portico").then((signed) =>
        msg.respond(encodeJson({ ok: true, data: { ...forgedSet, signed } })),
      );
    },
  });
  forged = await signToken(
    { kid: evil.kid, jwk: evil.privateJwk },
    { sub: victim.id, sid: crypto.randomUUID() },
  );
}, 60_000);

afterAll(async () => {
  await attacker?.close();
  await stack?.[Symbol.asyncDispose]();
  await nats?.[Symbol.asyncDispose]();
});

let forged = "";

async function evilTokenKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const kid = `evil-${crypto.randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return {
    kid,
    privateJwk: await exportJWK(privateKey),
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" },
  };
}

describe("a forged key answered on the bus", () => {
  test("the gateway refuses the forged token, though the attacker answered its key refetch", async () => {
    const before = jwksAnswered;
    expect(await errorCode(stack.client(() => forged).payments.list.query({}))).toBe("UNAUTHORIZED");
    expect(
      await errorCode(
        stack
          .client(() => forged)
          .payments.refund.mutate({
            paymentId: crypto.randomUUID(),
            idempotencyKey: crypto.randomUUID(),
          }),
      ),
    ).toBe("UNAUTHORIZED");
    expect(jwksAnswered).toBeGreaterThan(before);
    // The keys in use were kept: the victim's real token still works.
    expect(await errorCode(stack.client(() => victim.accessToken).payments.list.query({}))).toBe("ok");
  });

  test("payments refuses it too when called directly on the bus", async () => {
    const before = jwksAnswered;
    const caller = createCaller(attacker, stack.namespace);
    const outcome = await caller
      .call(payments.procedures.list, {}, newRequestContext(3000, { authorization: `Bearer ${forged}` }))
      .then(
        () => "ok",
        (error: unknown) => (error instanceof ServiceError ? error.code : String(error)),
      );
    expect(outcome).toBe("UNAUTHORIZED");
    expect(jwksAnswered).toBeGreaterThan(before);
  });
});
