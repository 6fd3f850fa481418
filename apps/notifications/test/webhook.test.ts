import { afterAll, expect, test } from "bun:test";
import type { Notification } from "@portico/contracts";
import { createLogger } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { inArray } from "drizzle-orm";
import { signWebhook, WebhookHeader, webhookChannel } from "../src/channels/webhook.ts";
import { loadNotificationsEnv } from "../src/env.ts";
import * as schema from "../src/schema.ts";

const env = loadNotificationsEnv();
const database = createDatabase(env.DATABASE_URL, schema, { max: 2, appName: "notifications-test" });
const log = createLogger({ service: "webhook-test" }, "error", () => undefined);
const users: string[] = [];
afterAll(async () => {
  if (users.length > 0)
    await database.db.delete(schema.preferences).where(inArray(schema.preferences.userId, users));
  await database.close();
});

const notification = (): Notification => ({
  id: crypto.randomUUID(),
  kind: "welcome",
  title: "Welcome",
  body: "Hello",
  data: {},
  readAt: null,
  createdAt: new Date().toISOString(),
});

/** A receiver on 127.0.0.1 answering 503 to the first `failures` calls, then 204. */
function receiver(failures: number) {
  const calls: Array<{ headers: Headers; body: string }> = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      calls.push({ headers: req.headers, body: await req.text() });
      return new Response(null, { status: calls.length <= failures ? 503 : 204 });
    },
  });
  return { calls, server, url: `http://127.0.0.1:${server.port}/hook` };
}

async function withPreference(url: string, secret: string) {
  const userId = crypto.randomUUID();
  users.push(userId);
  await database.db.insert(schema.preferences).values({ userId, webhookUrl: url, webhookSecret: secret });
  return userId;
}

const channel = (maxAttempts: number) =>
  webhookChannel({ db: database.db, timeoutMs: 1000, maxAttempts, backoffMs: 20 });

test("delivers a signed webhook, retrying after a server error", async () => {
  const hook = receiver(1);
  try {
    const userId = await withPreference(hook.url, "s3cret");
    const webhook = channel(3);
    const n = notification();
    await webhook.deliver([{ userId, notification: n, log }]);
    await webhook.drain();
    expect(hook.calls).toHaveLength(2);
    const last = hook.calls[1];
    const timestamp = last?.headers.get(WebhookHeader.timestamp) ?? "";
    expect(last?.headers.get(WebhookHeader.signature)).toBe(
      signWebhook("s3cret", timestamp, last?.body ?? ""),
    );
    expect(last?.headers.get(WebhookHeader.delivery)).toBe(n.id);
    expect(JSON.parse(last?.body ?? "{}")).toEqual({ type: "notification", userId, notification: n });
    // Another secret gives another signature: receivers can tell forgeries apart.
    expect(signWebhook("other", timestamp, last?.body ?? "")).not.toBe(
      last?.headers.get(WebhookHeader.signature),
    );
  } finally {
    hook.server.stop(true);
  }
});

test("gives up after the attempt limit, and sends nothing to users without a preference", async () => {
  const hook = receiver(100);
  try {
    const userId = await withPreference(hook.url, "s3cret");
    const webhook = channel(3);
    await webhook.deliver([
      { userId, notification: notification(), log },
      { userId: crypto.randomUUID(), notification: notification(), log },
    ]);
    await webhook.drain();
    expect(hook.calls).toHaveLength(3);
  } finally {
    hook.server.stop(true);
  }
});

test("notifications delivered together each reach their own user's webhook, signed with that user's secret", async () => {
  const [a, b] = [receiver(0), receiver(0)];
  try {
    const alice = await withPreference(a.url, "alice-secret");
    const bob = await withPreference(b.url, "bob-secret");
    const [first, second, third] = [notification(), notification(), notification()];
    const webhook = channel(1);
    await webhook.deliver([
      { userId: alice, notification: first, log },
      { userId: bob, notification: second, log },
      { userId: alice, notification: third, log },
    ]);
    await webhook.drain();
    const received = (calls: typeof a.calls, secret: string) =>
      calls.map(({ headers, body }) => {
        expect(headers.get(WebhookHeader.signature)).toBe(
          signWebhook(secret, headers.get(WebhookHeader.timestamp) ?? "", body),
        );
        return (JSON.parse(body) as { userId: string; notification: Notification }).notification.id;
      });
    expect(received(a.calls, "alice-secret").sort()).toEqual([first.id, third.id].sort());
    expect(received(b.calls, "bob-secret")).toEqual([second.id]);
  } finally {
    a.server.stop(true);
    b.server.stop(true);
  }
});
