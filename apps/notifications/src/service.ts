import { notifications } from "@portico/contracts";
import { type RunningService, startService } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import pkg from "../package.json" with { type: "json" };
import { inAppChannel } from "./channels/inApp.ts";
import { webhookChannel } from "./channels/webhook.ts";
import { createConsumers } from "./consumers.ts";
import type { NotificationsEnv } from "./env.ts";
import { createHandlers } from "./handlers/index.ts";
import * as schema from "./schema.ts";

/** Starts one instance of the notifications service: its procedures and its event consumers. */
export function startNotificationsService(env: NotificationsEnv): Promise<RunningService> {
  return startService({
    contract: notifications,
    version: pkg.version,
    env,
    setup({ nc, namespace, onStop }) {
      const database = createDatabase(env.DATABASE_URL, schema, {
        max: env.DATABASE_POOL_MAX,
        appName: "notifications",
      });
      const webhook = webhookChannel({
        db: database.db,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
        backoffMs: env.WEBHOOK_BACKOFF_MS,
      });
      onStop(database.close);
      onStop(webhook.drain);
      const channels = [inAppChannel(nc, namespace), webhook];
      return {
        handlers: createHandlers({ db: database.db }),
        consumers: createConsumers(channels),
        inbox: { db: database.db, table: schema.processedEvents },
      };
    },
  });
}
