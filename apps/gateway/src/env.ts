import { commonEnv, loadEnv } from "@portico/kit";
import { z } from "zod";
import { defaultWebDir } from "./http/webApp.ts";

const ms = z.coerce.number().int().positive();
const count = z.coerce.number().int().positive();
const flag = z
  .enum(["true", "false", "on", "off", "1", "0"])
  .transform((v) => ["true", "on", "1"].includes(v));

const durationUnits = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A rate as `<limit>/<window>`, e.g. `10/60s` or `600/1m`: at most `limit` per window, refilled smoothly. */
export interface Rate {
  limit: number;
  windowMs: number;
}

const rate = z.string().transform((value, ctx): Rate => {
  const match = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(value.trim());
  const limit = Number(match?.[1]);
  const unit = match?.[3] as keyof typeof durationUnits | undefined;
  const windowMs = unit ? Number(match?.[2]) * durationUnits[unit] : 0;
  if (!match || limit < 1 || windowMs < 1) {
    ctx.addIssue({ code: "custom", message: "Must look like 10/60s (limit/window; units ms, s, m, h)" });
    return z.NEVER;
  }
  return { limit, windowMs };
});

const ipList = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

/** The gateway's configuration, validated at start. */
export const gatewayEnvSchema = commonEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Budget of each part of a coordinated call such as `me.overview`. */
  PART_TIMEOUT_MS: ms.default(1000),
  /** How long `system.health` waits for service discovery answers. */
  HEALTH_WAIT_MS: ms.default(300),

  // Rate limits (token buckets shared by all gateway instances through NATS JetStream KV).
  RATE_LIMIT_ENABLED: flag.default(true),
  /** Per client IP, shared by users.signUp, users.signIn and users.refresh. */
  RATE_LIMIT_AUTH: rate.default({ limit: 10, windowMs: 60_000 }),
  /** Per client IP, every other public procedure. */
  RATE_LIMIT_PUBLIC: rate.default({ limit: 120, windowMs: 60_000 }),
  /** Per signed-in user, every user procedure. */
  RATE_LIMIT_USER: rate.default({ limit: 600, windowMs: 60_000 }),
  /** Longest wait for the shared store before falling back to this instance's local limiter. */
  RATE_LIMIT_STORE_TIMEOUT_MS: ms.default(250),
  /** After a store failure, how long to use the local limiter before trying the store again. */
  RATE_LIMIT_STORE_RETRY_MS: ms.default(2000),
  /**
   * Share of a limit a gateway takes from the shared bucket at once and spends locally (0.05 of
   * 600/min = 30 tokens per store round trip); limits too small for a batch of 2 stay exact.
   */
  RATE_LIMIT_LEASE_FRACTION: z.coerce.number().min(0).max(0.5).default(0.05),
  /** Leased tokens not spent within this long are dropped. */
  RATE_LIMIT_LEASE_MS: ms.default(1000),
  /** Proxy addresses whose `X-Forwarded-For` is believed (comma-separated IPs); empty: use the socket. */
  TRUSTED_PROXIES: ipList.default([]),

  // Resilience of calls to services.
  /** Failures (SERVICE_UNAVAILABLE, timeouts, no responders) within the window that open a service's breaker. */
  BREAKER_FAILURE_THRESHOLD: count.default(5),
  BREAKER_WINDOW_MS: ms.default(10_000),
  /** How long an open breaker fails fast before letting a half-open probe through. */
  BREAKER_OPEN_MS: ms.default(1000),
  /** Most calls in flight per service; more fail fast with SERVICE_UNAVAILABLE. */
  BULKHEAD_MAX_INFLIGHT: count.default(100),
  /** Extra attempts of a failed query (never a mutation), with jittered backoff inside the deadline. */
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(0).max(5).default(2),
  RETRY_BASE_MS: ms.default(25),

  // Request guards.
  MAX_BODY_BYTES: count.default(102_400),
  MAX_JSON_DEPTH: count.default(32),
  MAX_BATCH_SIZE: count.default(20),

  /** Seconds between the status page's own refreshes. */
  STATUS_REFRESH_SECONDS: count.default(5),
  /** Directory of the built example web app served at `/app/` (`bun run web:build`). */
  WEB_DIR: z.string().min(1).default(defaultWebDir),
  /** Bench knob only: skip the gateway's token check (the owning service still verifies every token). */
  GATEWAY_AUTH: flag.default(true),
});
export type GatewayEnv = z.output<typeof gatewayEnvSchema>;

export const loadGatewayEnv = (source?: Record<string, string | undefined>) =>
  loadEnv(gatewayEnvSchema, source);
