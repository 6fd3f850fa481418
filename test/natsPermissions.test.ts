import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Notification, userEvents } from "@portico/contracts";
import {
  channelSubject,
  deadLetterSubject,
  durableName,
  encodeJson,
  eventStreamName,
  eventSubject,
} from "@portico/kit";
import { waitFor } from "./support/events.ts";
import { type AuthNats, requestOutcome, SecuredStack } from "./support/natsAuth.ts";
import type { AppName, Stack } from "./support/stack.ts";

// NATS least privilege, end to end: a throwaway nats-server runs the generated configuration (one
// user per process, subject permissions derived from the contracts) and the whole system runs on
// it, each process with its own credentials. Here: the permissions are enough for everything the
// system does (test/natsRefusals.test.ts: what they refuse). See docs/nats-security.md.

const apps: AppName[] = ["users", "payments", "notifications", "search"];
let secured: SecuredStack;
let nats: AuthNats;
let stack: Stack;

beforeAll(async () => {
  secured = await SecuredStack.start(apps);
  ({ nats, stack } = secured);
}, 60_000);
afterAll(() => secured?.[Symbol.asyncDispose]());
const signUp = (name: string) => secured.signUp(name);

describe("with its own NATS credentials, every process can do its job", () => {
  test("sign-up, profile, charge, live and stored notifications, search, health, sign-out: nothing refused", async () => {
    const name = `Least Privilege ${crypto.randomUUID().slice(0, 6)}`;
    const { session, api } = await signUp(name);
    expect((await api.users.me.query()).id).toBe(session.user.id);

    const live: Notification[] = [];
    let ended = false;
    const sub = api.notifications.onNotification.subscribe(undefined, {
      onData: (n) => live.push(n),
      onComplete: () => {
        ended = true;
      },
    });
    // Wait until the gateway follows the user's live subject: a request there (as notifications, the
    // only identity that may publish it) then finds a subscriber, which never answers.
    const notifications = await nats.connectAs("notifications");
    const liveSubject = channelSubject(nats.namespace, "notifications.live", session.user.id);
    const following = await waitFor(
      async () => (await requestOutcome(notifications, liveSubject, undefined, undefined, 200)) === "TIMEOUT",
      (x) => x,
    );
    await notifications.close();
    expect(following).toBe(true);

    const payment = await api.payments.charge.mutate({
      amount: 4200,
      currency: "EUR",
      source: "tok_visa",
      description: "Harpsichord lessons",
      idempotencyKey: crypto.randomUUID(),
    });
    expect(payment.status).toBe("succeeded");

    const stored = await waitFor(
      () => api.notifications.list.query(),
      (page) => page.items.length >= 2,
      10_000,
    );
    expect(stored.items.map((n) => n.kind).sort()).toEqual(["payment.succeeded", "welcome"]);
    const pushed = await waitFor(
      async () => live.map((n) => n.kind),
      (kinds) => kinds.includes("payment.succeeded"),
    );
    expect(pushed).toContain("payment.succeeded");

    const hits = await waitFor(
      () => api.search.query.query({ q: "harpsichord" }),
      (r) => r.items.length > 0,
      10_000,
    );
    expect(hits.items.map((h) => h.id)).toEqual([payment.id]);
    const people = await waitFor(
      () => api.search.query.query({ q: name, types: ["user"] }),
      (r) => r.items.length > 0,
      10_000,
    );
    expect(people.items.map((h) => h.id)).toContain(session.user.id);

    const health = await stack.client().system.health.query();
    expect(health.status).toBe("ok");
    for (const app of apps) expect(health.services[app]).toMatchObject({ status: "ok", instances: 1 });
    expect((await api.me.overview.query()).degraded).toEqual([]);

    // Signing out is announced by users and closes the live stream at the gateway.
    await api.users.signOut.mutate({ refreshToken: session.refreshToken });
    expect(
      await waitFor(
        async () => ended,
        (x) => x,
      ),
    ).toBe(true);
    sub.unsubscribe();

    // The gateway kept its rate limits in the shared bucket, never falling back to local ones.
    expect(stack.logLines().filter((line) => line.includes("rate-limit store unavailable"))).toEqual([]);
    expect(nats.violations()).toEqual([]);
  }, 40_000);

  test("operator commands and health probes work with their identities", async () => {
    for (const app of apps) {
      const probe = await nats.runAs(app, ["scripts/probe.ts", app]);
      expect(`${app}: ${probe.code} ${probe.output.trim()}`).toBe(`${app}: 0 ${app}: 1 instance(s)`);
    }
    // Twice: the second run first removes the replay consumer the first one left.
    for (let run = 0; run < 2; run++) {
      const reindex = await nats.runAs("search", ["apps/search/src/reindex/main.ts"]);
      expect(reindex.output).toContain("search index swapped in");
      expect(reindex.code).toBe(0);
    }

    // `bun run events:status` as the operators' read-only identity: the stream and every durable consumer.
    const status = await nats.runAs("ops", ["scripts/eventsStatus.ts"]);
    expect(status.code).toBe(0);
    expect(status.output).toContain(`stream ${eventStreamName(nats.namespace)}`);
    expect(status.output).toContain(durableName(nats.namespace, "notifications", userEvents.created.subject));
    expect(status.output).toContain(durableName(nats.namespace, "search", userEvents.created.subject));
    expect(nats.violations()).toEqual([]);
  }, 30_000);

  test("a poison event is dead-lettered by each consumer under its own identity", async () => {
    const ns = nats.namespace;
    const users = await nats.connectAs("users");
    try {
      // Users may publish user.created; a payload breaking the contract is parked by notifications and search.
      await users
        .jetstream()
        .publish(eventSubject(ns, userEvents.created.subject), encodeJson({ poison: true }), {
          msgID: crypto.randomUUID(),
        });
    } finally {
      await users.close();
    }
    const ops = await nats.connectAs("ops");
    try {
      const jsm = await ops.jetstreamManager();
      const dead = await waitFor(
        async () =>
          Object.keys(
            (await jsm.streams.info(eventStreamName(ns), { subjects_filter: `${ns}.deadletter.>` })).state
              .subjects ?? {},
          ).sort(),
        (subjects) => subjects.length >= 2,
      );
      expect(dead).toEqual([
        deadLetterSubject(ns, "notifications", userEvents.created.subject),
        deadLetterSubject(ns, "search", userEvents.created.subject),
      ]);
    } finally {
      await ops.close();
    }
    expect(nats.violations()).toEqual([]);
  }, 15_000);
});
