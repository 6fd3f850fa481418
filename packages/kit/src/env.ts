import { z } from "zod";
import { PublicEcJwk } from "./publicJwk.ts";

/** Raised when the environment does not describe a runnable process; its message names each bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses the process environment with a zod object schema. Empty variables count as unset, so
 * `FOO=` falls back to the default. This is the one place in Portico that reads the environment.
 */
export function loadEnv<S extends z.ZodObject>(
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.output<S> {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}

const milliseconds = z.coerce.number().int().positive();

/** Variables every Portico process understands. */
export const commonEnv = z.object({
  /** The NATS servers (comma-separated); by default the local bus `bun run start` runs. */
  NATS_URL: z.string().default("nats://127.0.0.1:4223"),
  /**
   * This process's own NATS identity (docs/nats-security.md). Required unless
   * PORTICO_INSECURE_NATS=1. Set per process, never in the shared `.env`.
   */
  NATS_USER: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, "Must be lowercase letters, digits, - or _ (max 32)")
    .optional(),
  NATS_PASSWORD: z.string().optional(),
  /**
   * `1` lets the process connect to NATS without credentials, to a server where anyone may read
   * every request and publish anything. For a throwaway local server only; logged loudly.
   */
  PORTICO_INSECURE_NATS: z
    .enum(["0", "1"], "Must be 0 or 1")
    .default("0")
    .transform((v) => v === "1"),
  /** Prefix of every subject and stream, so several Portico systems can share one NATS. */
  PORTICO_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, "Must be lowercase letters, digits, - or _ (max 32)")
    .default("portico"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Budget for a request that arrives without a deadline of its own. */
  REQUEST_TIMEOUT_MS: milliseconds.default(5000),
  JWT_ISSUER: z.string().default("portico"),
  JWT_AUDIENCE: z.string().default("portico-api"),
  /** How long an access token lives; verifiers refuse tokens whose lifetime (exp − iat) is longer. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  /**
   * The public key (a JWK, JSON) the users service signs its published key set with: tokens are
   * verified only with keys in a set this key signed. Or `JWKS_FILE`: a public JWKS file to use
   * instead, never fetched over the bus.
   */
  KEY_SET_PUBLIC_KEY: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "Must be a JWK in JSON" });
        return z.NEVER;
      }
    })
    .pipe(PublicEcJwk)
    .optional(),
  JWKS_FILE: z.string().optional(),
  /** A token with an unknown key id makes a verifier refetch the key set at most this often. */
  KEY_SET_REFETCH_COOLDOWN_MS: z.coerce.number().int().min(0).default(10_000),
  /** OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318); traces are exported only when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Events (see docs/events.md): how often an idle outbox relay looks for rows it was not woken for. */
  EVENTS_POLL_MS: milliseconds.default(1000),
  /** Outbox rows published per relay batch. */
  EVENTS_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Deliveries of one event to one consumer before it is dead-lettered. */
  EVENTS_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
  /** Redelivery delay after the first failure; doubles per attempt up to EVENTS_BACKOFF_MAX_MS. */
  EVENTS_BACKOFF_MS: milliseconds.default(1000),
  EVENTS_BACKOFF_MAX_MS: milliseconds.default(60_000),
  /** Events a consumer instance handles at once. */
  EVENTS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** JetStream de-duplication window on `Nats-Msg-Id` (the outbox row id). */
  EVENTS_DUPLICATE_WINDOW_MS: milliseconds.default(120_000),
  /** How long the stream keeps events (default 7 days). */
  EVENTS_MAX_AGE_MS: milliseconds.default(7 * 24 * 3600 * 1000),
  /** Replicas of the event stream on a NATS cluster (3 survives the loss of one node). */
  EVENTS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});
export type CommonEnv = z.output<typeof commonEnv>;

/** Variables of a service that owns a database schema. */
export const serviceEnv = commonEnv.extend({
  DATABASE_URL: z.url("Must be a postgres:// URL"),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
});
export type ServiceEnv = z.output<typeof serviceEnv>;
