import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Notification, paymentEvents } from "@portico/contracts";
import { channelSubject } from "@portico/kit";
import { type NatsConnection, NatsError, ErrorCode as NatsErrorCode } from "nats";
import { eventPublisher, waitFor } from "./support/events.ts";
import { Stack, uniqueEmail } from "./support/stack.ts";

let stack: Stack;
let events: Awaited<ReturnType<typeof eventPublisher>>;
/** Connected as notifications, the one identity that publishes live items. */
let live: NatsConnection;

beforeAll(async () => {
  stack = await Stack.start({ services: ["users", "notifications"] });
  // Every test here runs against two notifications instances sharing the consumers.
  await stack.startService("notifications");
  events = await eventPublisher(stack, "payments");
  live = await stack.connectAs("notifications");
}, 30_000);
afterAll(async () => {
  await events?.close();
  await live?.close();
  await stack?.[Symbol.asyncDispose]();
});

async function signUp(name = "Ada") {
  const session = await stack
    .client()
    .users.signUp.mutate({ email: uniqueEmail(), password: "correct horse", name });
  return { session, api: stack.client(() => session.accessToken), id: session.user.id };
}

const charge = (userId: string, amount: number, currency: "USD" | "JPY" = "USD") => ({
  paymentId: crypto.randomUUID(),
  userId,
  amount,
  currency,
  description: "Coffee",
  occurredAt: new Date().toISOString(),
});

describe("notifications from events", () => {
  test("sign-up → exactly one welcome notification, even with two instances consuming", async () => {
    const users = await Promise.all([signUp("Ada"), signUp("Grace"), signUp("Linus")]);
    for (const user of users) {
      const page = await waitFor(
        () => user.api.notifications.list.query(),
        (p) => p.items.length > 0,
      );
      expect(page.items.map((n) => n.kind)).toEqual(["welcome"]);
      expect(page.items[0]?.title).toContain(user.session.user.name);
    }
    await Bun.sleep(300);
    for (const user of users) expect((await user.api.notifications.list.query()).items).toHaveLength(1);
  }, 15_000);

  test("the same event delivered twice makes one notification", async () => {
    const { api, id } = await signUp();
    const payload = charge(id, 1999);
    const eventId = await events.publish(paymentEvents.succeeded, payload);
    await events.publish(paymentEvents.succeeded, payload, eventId, `${eventId}-again`);
    const marker = await events.publish(paymentEvents.failed, {
      ...charge(id, 5),
      failureCode: "card_declined",
    });
    expect(marker).toBeString();
    const page = await waitFor(
      () => api.notifications.list.query(),
      (p) => p.items.some((n) => n.kind === "payment.failed"),
    );
    await Bun.sleep(200);
    const kinds = (await api.notifications.list.query()).items.map((n) => n.kind).sort();
    expect(kinds).toEqual(["payment.failed", "payment.succeeded", "welcome"]);
    expect(page.items.find((n) => n.kind === "payment.succeeded")?.title).toBe("Payment of $19.99 succeeded");
  }, 15_000);

  test("receipts format money by currency (JPY has no minor unit)", async () => {
    const { api, id } = await signUp();
    await events.publish(paymentEvents.refunded, {
      ...charge(id, 5000, "JPY"),
      refundId: crypto.randomUUID(),
      refundAmount: 1200,
      amountRefunded: 1200,
    });
    const page = await waitFor(
      () => api.notifications.list.query(),
      (p) => p.items.some((n) => n.kind === "payment.refunded"),
    );
    const refund = page.items.find((n) => n.kind === "payment.refunded");
    expect(refund?.title).toBe("Refund of ¥1,200");
    expect(refund?.body).toContain("of your ¥5,000 payment");
  }, 15_000);

  test("pagination has no duplicates or gaps while new notifications arrive", async () => {
    const { api, id } = await signUp();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => events.publish(paymentEvents.succeeded, charge(id, 100 + i))),
    );
    const before = await waitFor(
      () => api.notifications.unreadCount.query(),
      (c) => c.count === 21,
    );
    expect(before.count).toBe(21);
    const existing = new Set((await api.notifications.list.query({ limit: 100 })).items.map((n) => n.id));

    const seen: string[] = [];
    let cursor: string | undefined;
    let arriving = 0;
    do {
      const page = await api.notifications.list.query({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor ?? undefined;
      // New notifications land while we page.
      if (arriving < 5) await events.publish(paymentEvents.succeeded, charge(id, 900 + arriving++));
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const n of existing) expect(seen).toContain(n);
  }, 15_000);

  test("markRead touches only the caller's own notifications", async () => {
    const alice = await signUp("Alice");
    const bob = await signUp("Bob");
    const bobs = await waitFor(
      () => bob.api.notifications.list.query(),
      (p) => p.items.length === 1,
    );
    const bobsId = bobs.items[0]?.id ?? "";
    await waitFor(
      () => alice.api.notifications.unreadCount.query(),
      (c) => c.count === 1,
    );
    expect(await alice.api.notifications.markRead.mutate({ ids: [bobsId] })).toEqual({ updated: 0 });
    expect(await bob.api.notifications.unreadCount.query()).toEqual({ count: 1 });
    expect(await alice.api.notifications.markRead.mutate({ all: true })).toEqual({ updated: 1 });
    expect(await alice.api.notifications.unreadCount.query()).toEqual({ count: 0 });
    expect(await bob.api.notifications.unreadCount.query()).toEqual({ count: 1 });
    const unread = await alice.api.notifications.list.query({ unreadOnly: true });
    expect(unread.items).toHaveLength(0);
  }, 15_000);
});

/** Whether anything (the gateway) still subscribes to a user's live channel: a request gets 503 only without. */
async function hasLiveSubscriber(userId: string): Promise<boolean> {
  const subject = channelSubject(stack.namespace, "notifications.live", userId);
  try {
    await live.request(subject, undefined, { timeout: 300 });
    return true;
  } catch (error) {
    return !(error instanceof NatsError && error.code === NatsErrorCode.NoResponders);
  }
}

function listen(api: Awaited<ReturnType<typeof signUp>>["api"]) {
  const received: Notification[] = [];
  let started = false;
  let completed = false;
  const sub = api.notifications.onNotification.subscribe(undefined, {
    onStarted: () => {
      started = true;
    },
    onData: (n) => received.push(n),
    onComplete: () => {
      completed = true;
    },
  });
  return { received, sub, started: () => started, completed: () => completed };
}

describe("live notifications over tRPC SSE", () => {
  test("a subscriber receives its own new notification and not another user's", async () => {
    const alice = await signUp("Alice");
    const bob = await signUp("Bob");
    const live = listen(alice.api);
    try {
      expect(
        await waitFor(
          async () => hasLiveSubscriber(alice.id),
          (x) => x,
        ),
      ).toBe(true);
      await events.publish(paymentEvents.succeeded, charge(bob.id, 777));
      await events.publish(paymentEvents.succeeded, charge(alice.id, 4200));
      await waitFor(
        async () => live.received.length,
        (n) => n > 0,
      );
      await Bun.sleep(200);
      expect(live.received.map((n) => n.title)).toEqual(["Payment of $42.00 succeeded"]);
      expect(live.received[0]?.readAt).toBeNull();
    } finally {
      live.sub.unsubscribe();
    }
    // Closing the stream drops the gateway's NATS subscription.
    expect(
      await waitFor(
        async () => hasLiveSubscriber(alice.id),
        (x) => !x,
      ),
    ).toBe(false);
  }, 15_000);

  test("signing out ends the stream and drops its NATS subscription", async () => {
    const carol = await signUp("Carol");
    const live = listen(carol.api);
    expect(
      await waitFor(
        async () => hasLiveSubscriber(carol.id),
        (x) => x,
      ),
    ).toBe(true);
    await carol.api.users.signOut.mutate({ refreshToken: carol.session.refreshToken });
    expect(
      await waitFor(
        async () => live.completed(),
        (x) => x,
      ),
    ).toBe(true);
    expect(
      await waitFor(
        async () => hasLiveSubscriber(carol.id),
        (x) => !x,
      ),
    ).toBe(false);
    live.sub.unsubscribe();
  }, 15_000);

  test("a subscription without a valid token is refused", async () => {
    let error: unknown;
    const sub = stack
      .client(() => "not-a-token")
      .notifications.onNotification.subscribe(undefined, {
        onError: (e) => {
          error = e;
        },
      });
    await waitFor(
      async () => error,
      (e) => e !== undefined,
    );
    sub.unsubscribe();
    expect(String(error)).toContain("token");
  }, 15_000);
});
