import { loadEnv, serviceEnv } from "@portico/kit";
import { z } from "zod";

const ms = z.coerce.number().int().positive();

/** The payments service's configuration, validated at start. */
export const paymentsEnvSchema = serviceEnv.extend({
  DATABASE_URL: serviceEnv.shape.DATABASE_URL.default(
    "postgres://portico_payments:portico_payments@127.0.0.1:5432/portico",
  ),
  /** Which processor moves the money; only the built-in sandbox exists so far. */
  PAYMENTS_PROCESSOR: z.enum(["sandbox"]).default("sandbox"),
  /** Simulated processor round trip, so the service can be exercised realistically. */
  SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** How long idempotency keys are kept; the API promises at least 24 h. */
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce.number().int().min(24, "Must be at least 24").default(24),
  /** How often each instance deletes expired idempotency keys. */
  IDEMPOTENCY_CLEANUP_INTERVAL_MS: ms.default(60 * 60_000),
  /** After this long an in-flight key whose owner vanished may be resumed by a retry. */
  IDEMPOTENCY_LEASE_MS: ms.default(30_000),
  /** How often each instance looks for charges left in flight (owner crashed, or recording failed) and finishes them. */
  CHARGE_RECONCILE_INTERVAL_MS: ms.default(5_000),
  /** Charges finished per reconciliation pass. */
  CHARGE_RECONCILE_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  /** How long a duplicate waits for the in-flight original before answering a retryable CONFLICT. */
  IDEMPOTENCY_WAIT_MS: ms.default(2_000),
});
export type PaymentsEnv = z.output<typeof paymentsEnvSchema>;

export const loadPaymentsEnv = (source?: Record<string, string | undefined>) =>
  loadEnv(paymentsEnvSchema, source);
