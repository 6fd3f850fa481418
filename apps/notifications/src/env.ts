import { loadEnv, serviceEnv } from "@portico/kit";
import { z } from "zod";

const ms = z.coerce.number().int().positive();

/** The notifications service's configuration, validated at start. */
export const notificationsEnvSchema = serviceEnv.extend({
  DATABASE_URL: serviceEnv.shape.DATABASE_URL.default(
    "postgres://portico_notifications:portico_notifications@127.0.0.1:5432/portico",
  ),
  /** Outbound webhooks: time allowed per attempt, attempts per notification, first retry delay (doubling). */
  WEBHOOK_TIMEOUT_MS: ms.default(5000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  WEBHOOK_BACKOFF_MS: ms.default(500),
});
export type NotificationsEnv = z.output<typeof notificationsEnvSchema>;

export const loadNotificationsEnv = (source?: Record<string, string | undefined>) =>
  loadEnv(notificationsEnvSchema, source);
