import { users } from "@portico/contracts";
import { type RunningService, startService } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import pkg from "../package.json" with { type: "json" };
import type { UsersEnv } from "./env.ts";
import { createHandlers } from "./handlers/index.ts";
import { createPasswords } from "./passwords.ts";
import * as schema from "./schema.ts";
import { createSessions } from "./sessions.ts";
import { createSigningKeys } from "./signingKeys.ts";

/** Starts one instance of the users service. */
export function startUsersService(env: UsersEnv): Promise<RunningService> {
  return startService({
    contract: users,
    version: pkg.version,
    env,
    async setup({ log, onStop }) {
      const database = createDatabase(env.DATABASE_URL, schema, {
        max: env.DATABASE_POOL_MAX,
        appName: "users",
      });
      onStop(database.close);
      const keys = await createSigningKeys({
        db: database.db,
        log,
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      });
      onStop(keys.stop);
      const passwords = await createPasswords({
        memoryKib: env.PASSWORD_MEMORY_KIB,
        timeCost: env.PASSWORD_TIME_COST,
      });
      const sessions = createSessions({
        db: database.db,
        keys,
        refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
      });
      return {
        handlers: createHandlers({ db: database.db, passwords, sessions, keys }),
        verifyToken: keys.verifier,
        outbox: { db: database.db, table: schema.outbox },
      };
    },
  });
}
