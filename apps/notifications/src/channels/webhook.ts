import { uuidArray } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "../schema.ts";
import type { Delivery, DeliveryChannel } from "./channel.ts";

/** Headers a webhook receiver reads; it recomputes the signature to know the call is ours. */
export const WebhookHeader = {
  delivery: "x-portico-delivery",
  timestamp: "x-portico-timestamp",
  signature: "x-portico-signature",
} as const;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the user's secret>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${new Bun.CryptoHasher("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookOptions {
  db: PostgresJsDatabase<typeof schema>;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
}

/** Retrying helps with network errors, timeouts, 408, 429 and 5xx; any other answer is final. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Outbound webhook per user preference: POSTs the notification as JSON, signed with HMAC, retrying
 * with doubling delays in the background so a slow receiver never holds up event consumption.
 * The delivery id (the notification id) lets receivers drop the duplicates retries may cause.
 */
export function webhookChannel(opts: WebhookOptions): DeliveryChannel & { drain(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();

  async function send(url: string, secret: string, { userId, notification, log }: Delivery): Promise<void> {
    const body = JSON.stringify({ type: "notification", userId, notification });
    for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      let outcome: string;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "Portico-Webhooks/1",
            [WebhookHeader.delivery]: notification.id,
            [WebhookHeader.timestamp]: timestamp,
            [WebhookHeader.signature]: signWebhook(secret, timestamp, body),
          },
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) {
          log.debug("webhook delivered", { attempt });
          return;
        }
        if (!retryable(response.status)) {
          log.warn("webhook rejected; not retrying", { status: response.status });
          return;
        }
        outcome = `HTTP ${response.status}`;
      } catch (error) {
        outcome = error instanceof Error ? error.message : String(error);
      }
      if (attempt === opts.maxAttempts) {
        log.warn("webhook delivery gave up", { attempts: attempt, outcome });
        return;
      }
      await Bun.sleep(opts.backoffMs * 2 ** (attempt - 1));
    }
  }

  return {
    name: "webhook",
    async deliver(deliveries) {
      // One look-up for the notifications committed together, not one per notification.
      const { preferences } = schema;
      const wanted = await opts.db
        .select({
          userId: preferences.userId,
          url: preferences.webhookUrl,
          secret: preferences.webhookSecret,
        })
        .from(preferences)
        .where(sql`${preferences.userId} = any(${uuidArray([...new Set(deliveries.map((d) => d.userId))])})`);
      const hooks = new Map(wanted.map((w) => [w.userId, w]));
      for (const delivery of deliveries) {
        const hook = hooks.get(delivery.userId);
        if (!hook?.url || !hook.secret) continue;
        const task = send(hook.url, hook.secret, delivery).finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    },
    async drain() {
      await Promise.all(inFlight);
    },
  };
}
