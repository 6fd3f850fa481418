import {
  type Caller,
  createCaller,
  createTelemetry,
  createTokenVerifier,
  followEndedSessions,
  type Logger,
  rateLimitBucket,
} from "@portico/kit";
import type { NatsConnection } from "nats";
import type { GatewayDeps } from "./context.ts";
import type { GatewayEnv } from "./env.ts";
import { createCallStats } from "./observability/callStats.ts";
import { createMetrics } from "./observability/metrics.ts";
import { createKvStore } from "./ratelimit/kvStore.ts";
import { createLeasedStore } from "./ratelimit/leasedStore.ts";
import { createRateLimiter } from "./ratelimit/limiter.ts";
import { createResilientCaller } from "./resilience/caller.ts";

/**
 * Wires the gateway's long-lived parts: resilient caller, token verifier, rate limiter, metrics.
 * `transport` is how procedures are reached: NATS by default, in-process for the monolith baseline.
 */
export function createGatewayDeps(
  nc: NatsConnection,
  env: GatewayEnv,
  log: Logger,
  transport: Caller = createCaller(nc, env.PORTICO_NAMESPACE),
): GatewayDeps {
  const metrics = createMetrics();
  const stats = createCallStats();
  const caller = createResilientCaller(transport, {
    breakerThreshold: env.BREAKER_FAILURE_THRESHOLD,
    breakerWindowMs: env.BREAKER_WINDOW_MS,
    breakerOpenMs: env.BREAKER_OPEN_MS,
    maxInFlight: env.BULKHEAD_MAX_INFLIGHT,
    retryMaxAttempts: env.RETRY_MAX_ATTEMPTS,
    retryBaseMs: env.RETRY_BASE_MS,
    metrics,
    stats,
  });
  const revocations = followEndedSessions({
    nc,
    namespace: env.PORTICO_NAMESPACE,
    log,
    ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  });
  const verifyToken = createTokenVerifier(env, caller, log, revocations);
  const rates = { auth: env.RATE_LIMIT_AUTH, public: env.RATE_LIMIT_PUBLIC, user: env.RATE_LIMIT_USER };
  const longestWindow = Math.max(...Object.values(rates).map((r) => r.windowMs));
  const limiter = env.RATE_LIMIT_ENABLED
    ? createRateLimiter({
        rates,
        // One bucket per namespace, so separate Portico systems on one NATS never share budgets.
        shared: createLeasedStore(createKvStore(nc, rateLimitBucket(env.PORTICO_NAMESPACE), longestWindow), {
          fraction: env.RATE_LIMIT_LEASE_FRACTION,
          leaseMs: env.RATE_LIMIT_LEASE_MS,
        }),
        timeoutMs: env.RATE_LIMIT_STORE_TIMEOUT_MS,
        retryMs: env.RATE_LIMIT_STORE_RETRY_MS,
        log,
        metrics,
      })
    : null;
  const telemetry = createTelemetry({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, service: "gateway", log });
  return { nc, caller, verifyToken, log, env, metrics, stats, limiter, telemetry };
}
