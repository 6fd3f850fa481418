import { payments } from "@portico/contracts";
import { type RunningService, startService, type TokenVerifier } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import pkg from "../package.json" with { type: "json" };
import { createChargeRecorder } from "./chargeRecorder.ts";
import { startKeyCleanup } from "./cleanup.ts";
import type { PaymentsEnv } from "./env.ts";
import { createHandlers } from "./handlers/index.ts";
import { createIdempotency } from "./idempotency.ts";
import { createSandboxProcessor } from "./processor/sandbox.ts";
import { startChargeReconciler } from "./reconciler.ts";
import * as schema from "./schema.ts";

export interface PaymentsOverrides {
  /** Replaces verification against the users service's keys (tests that run payments alone). */
  verifyToken?: TokenVerifier;
}

/** Starts one instance of the payments service. */
export function startPaymentsService(
  env: PaymentsEnv,
  overrides: PaymentsOverrides = {},
): Promise<RunningService> {
  return startService({
    contract: payments,
    version: pkg.version,
    env,
    setup({ log, onStop }) {
      const database = createDatabase(env.DATABASE_URL, schema, {
        max: env.DATABASE_POOL_MAX,
        appName: "payments",
      });
      onStop(database.close);
      const db = database.db;
      onStop(
        startKeyCleanup({
          db,
          log,
          ttlHours: env.IDEMPOTENCY_KEY_TTL_HOURS,
          intervalMs: env.IDEMPOTENCY_CLEANUP_INTERVAL_MS,
        }),
      );
      const processor = createSandboxProcessor({ latencyMs: env.SANDBOX_LATENCY_MS });
      const keys = createIdempotency(db, {
        leaseMs: env.IDEMPOTENCY_LEASE_MS,
        waitMs: env.IDEMPOTENCY_WAIT_MS,
      });
      const charges = createChargeRecorder(db);
      onStop(
        startChargeReconciler(
          { keys, processor, charges, log },
          { intervalMs: env.CHARGE_RECONCILE_INTERVAL_MS, batchSize: env.CHARGE_RECONCILE_BATCH },
        ),
      );
      return {
        handlers: createHandlers({ db, processor, keys, charges }),
        outbox: { db, table: schema.outbox },
        ...(overrides.verifyToken ? { verifyToken: overrides.verifyToken } : {}),
      };
    },
  });
}
