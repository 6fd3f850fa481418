import type { Identity, Logger, RequestContext, Telemetry, TokenVerifier } from "@portico/kit";
import type { NatsConnection } from "nats";
import type { GatewayEnv } from "./env.ts";
import type { CallStats } from "./observability/callStats.ts";
import type { Metrics } from "./observability/metrics.ts";
import type { RateLimiter } from "./ratelimit/limiter.ts";
import type { ResilientCaller } from "./resilience/caller.ts";

/** Long-lived things every request may use. */
export interface GatewayDeps {
  nc: NatsConnection;
  /** Calls to services, through per-service breakers, bulkheads and query retries. */
  caller: ResilientCaller;
  verifyToken: TokenVerifier;
  log: Logger;
  env: GatewayEnv;
  metrics: Metrics;
  stats: CallStats;
  /** Null when rate limiting is switched off. */
  limiter: RateLimiter | null;
  /** Spans of incoming HTTP requests (exported only when an OTLP endpoint is configured). */
  telemetry: Telemetry;
}

/** The tRPC context of one request. `identity` is set by the auth middleware on user procedures. */
export interface GatewayContext {
  deps: GatewayDeps;
  request: RequestContext;
  log: Logger;
  /**
   * The client's address (see TRUSTED_PROXIES), the key of per-IP rate limits. A function, looked
   * up on first use: tRPC copies the context between middlewares, which would read a property.
   */
  clientIp: () => string;
  /** Headers added to the HTTP response (rate-limit headers). */
  resHeaders: Headers;
  identity?: Identity;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is a sane token, else a new one. */
export function requestIdFrom(header: string | null): string {
  return header && requestIdPattern.test(header) ? header : crypto.randomUUID();
}
