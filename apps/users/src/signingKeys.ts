import { ACCESS_TOKEN_ALG, createJwksVerifier, type Logger, type TokenVerifier } from "@portico/kit";
import { desc, gt, isNull, or, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import * as schema from "./schema.ts";

type Db = PostgresJsDatabase<typeof schema>;

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
}

/** The access-token keys of this deployment, shared by every users instance through the database. */
export interface SigningKeys {
  sign(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: Date }>;
  /** Public keys still valid for verification (current and recently retired), as a JWKS. */
  jwks(): Promise<{ keys: schema.PublishedJwk[] }>;
  verifier: TokenVerifier;
  stop(): void;
}

interface Options {
  db: Db;
  log: Logger;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  reloadMs?: number;
}

/** Creates a new signing key and retires the current ones; returns the new key id. */
export async function rotateSigningKey(db: Db): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('users.signing_keys'))`);
    await tx
      .update(schema.signingKeys)
      .set({ retiredAt: new Date() })
      .where(isNull(schema.signingKeys.retiredAt));
    return insertKey(tx);
  });
}

async function insertKey(tx: Pick<Db, "insert">): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg: ACCESS_TOKEN_ALG, use: "sig" };
  await tx.insert(schema.signingKeys).values({
    kid,
    alg: ACCESS_TOKEN_ALG,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...publicJwk, kty: publicJwk.kty ?? "EC", ...meta },
  });
  return kid;
}

/** Makes sure a current key exists (creating one on first start) and loads it. */
async function currentKey(db: Db) {
  const newest = () =>
    db
      .select()
      .from(schema.signingKeys)
      .where(isNull(schema.signingKeys.retiredAt))
      .orderBy(desc(schema.signingKeys.createdAt))
      .limit(1);
  const [row] = await newest();
  if (row) return row;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('users.signing_keys'))`);
    const [again] = await tx
      .select({ kid: schema.signingKeys.kid })
      .from(schema.signingKeys)
      .where(isNull(schema.signingKeys.retiredAt))
      .limit(1);
    if (!again) await insertKey(tx);
  });
  const [created] = await newest();
  if (!created) throw new Error("no signing key after creating one");
  return created;
}

/** Loads the signing keys and keeps them fresh, so a rotation reaches every instance within `reloadMs`. */
export async function createSigningKeys(opts: Options): Promise<SigningKeys> {
  const load = async () => {
    const row = await currentKey(opts.db);
    return { kid: row.kid, key: await importJWK(row.privateJwk, ACCESS_TOKEN_ALG) };
  };
  let signer = await load();
  const timer = setInterval(() => {
    load().then(
      (next) => {
        signer = next;
      },
      (error: unknown) => opts.log.warn("could not reload signing keys", { error }),
    );
  }, opts.reloadMs ?? 60_000);

  const jwks = async () => {
    // Retired keys stay published until every token they signed has expired.
    const cutoff = new Date(Date.now() - (opts.accessTtlSeconds + 60) * 1000);
    const rows = await opts.db
      .select({ publicJwk: schema.signingKeys.publicJwk })
      .from(schema.signingKeys)
      .where(or(isNull(schema.signingKeys.retiredAt), gt(schema.signingKeys.retiredAt, cutoff)));
    return { keys: rows.map((r) => r.publicJwk) };
  };

  return {
    async sign({ userId, sessionId }) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + opts.accessTtlSeconds;
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: signer.kid, typ: "JWT" })
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setSubject(userId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(exp)
        .sign(signer.key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    jwks,
    verifier: createJwksVerifier({
      issuer: opts.issuer,
      audience: opts.audience,
      log: opts.log,
      fetchJwks: jwks,
      refreshMs: opts.reloadMs ?? 60_000,
      unknownKidCooldownMs: 1000,
    }),
    stop: () => clearInterval(timer),
  };
}
