import { users } from "@portico/contracts";
import {
  createSessionEnder,
  type Handlers,
  type Logger,
  type Revocations,
  type RunningService,
  startService,
  type TokenVerifier,
} from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import pkg from "../package.json" with { type: "json" };
import { databaseKeySource } from "./databaseKeys.ts";
import type { UsersEnv } from "./env.ts";
import { fileKeySource } from "./fileKeys.ts";
import { createHandlers } from "./handlers/index.ts";
import { createKeyVault } from "./keyEncryption.ts";
import { readKeySetKey } from "./keySetKey.ts";
import { createPasswordPolicy } from "./passwordPolicy.ts";
import { createPasswords } from "./passwords.ts";
import * as schema from "./schema.ts";
import { createSessions } from "./sessions.ts";
import { createSignInThrottle } from "./signInThrottle.ts";
import { createSigningKeys } from "./signingKeys.ts";

/** The users service's handlers with everything they need, independent of how requests arrive. */
export interface UsersCore {
  handlers: Handlers<typeof users>;
  verifyToken: TokenVerifier;
  database: ReturnType<typeof createDatabase<typeof schema>>;
  close(): Promise<void>;
}

/**
 * Opens the database, loads signing keys and builds the handlers. `endSessions` records ended
 * sessions where every verifier and live stream learns of them; `revocations` is how this
 * service's own verifier learns of them.
 */
export async function createUsersCore(
  env: UsersEnv,
  log: Logger,
  endSessions: (sessionIds: string[]) => Promise<void>,
  revocations?: Revocations,
): Promise<UsersCore> {
  const database = createDatabase(env.DATABASE_URL, schema, { max: env.DATABASE_POOL_MAX, appName: "users" });
  const keys = await createSigningKeys({
    source: env.JWT_SIGNING_KEYS_FILE
      ? fileKeySource(env.JWT_SIGNING_KEYS_FILE)
      : await databaseKeySource(
          database.db,
          await createKeyVault(env.SIGNING_KEYS_KEK),
          env.ACCESS_TOKEN_TTL_SECONDS,
        ),
    reloadMs: env.SIGNING_KEYS_RELOAD_MS,
    log,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    keySetKey: await readKeySetKey(env),
    ...(revocations ? { revocations } : {}),
  });
  const passwords = await createPasswords({
    memoryKib: env.PASSWORD_MEMORY_KIB,
    timeCost: env.PASSWORD_TIME_COST,
  });
  const sessions = createSessions({
    db: database.db,
    keys,
    refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    endSessions,
  });
  return {
    handlers: createHandlers({
      db: database.db,
      passwords,
      sessions,
      keys,
      policy: await createPasswordPolicy(),
      throttle: createSignInThrottle(database.db, {
        freeFailures: env.SIGN_IN_FREE_FAILURES,
        maxDelaySeconds: env.SIGN_IN_MAX_DELAY_SECONDS,
      }),
    }),
    verifyToken: keys.verifier,
    database,
    async close() {
      keys.stop();
      await database.close();
    },
  };
}

/** Starts one instance of the users service. */
export function startUsersService(env: UsersEnv): Promise<RunningService> {
  return startService({
    contract: users,
    version: pkg.version,
    env,
    async setup({ log, onStop, nc, namespace, revocations }) {
      const ender = createSessionEnder({ nc, namespace, ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS });
      await ender.open();
      const core = await createUsersCore(env, log, ender.end, revocations);
      onStop(core.close);
      return {
        handlers: core.handlers,
        verifyToken: core.verifyToken,
        outbox: { db: core.database.db, table: schema.outbox },
      };
    },
  });
}
