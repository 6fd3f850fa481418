import { beforeAll, describe, expect, test } from "bun:test";
import { inArray, sql } from "drizzle-orm";
import { headers as natsHeaders } from "nats";
import { newRequestContext } from "../src/context.ts";
import { enqueueEvent } from "../src/db/outbox.ts";
import { jsonRecords } from "../src/db/params.ts";
import {
  consume,
  consumeBatch,
  deadLetterSubject,
  EVENT_ID_HEADER,
  eventStreamName,
  eventSubject,
} from "../src/events/index.ts";
import { settleEvents } from "../src/events/wake.ts";
import {
  consumersOf,
  createTables,
  db,
  enqueue,
  eventually,
  openNamespace,
  outbox,
  pinged,
  processed,
  relayOptions,
  startRelay,
} from "./support/eventsFixture.ts";
import { sharedNatsUrl } from "./support/sharedNats.ts";

const natsUrl = sharedNatsUrl;

beforeAll(createTables);

/** A consumer that records each committed effect and the deliveries it saw, throwing on poison payloads. */
function recorder() {
  const effects = new Map<number, number>();
  const attempts = new Map<number, number>();
  const requestIds = new Map<number, string>();
  const consumer = consume(pinged, async (payload, ctx) => {
    // A handler may also run again within one delivery (its batch rolled back): count deliveries.
    attempts.set(payload.n, Math.max(attempts.get(payload.n) ?? 0, ctx.attempt));
    requestIds.set(payload.n, ctx.request.requestId);
    if (payload.poison) throw new Error("poison");
    ctx.afterCommit(() => {
      effects.set(payload.n, (effects.get(payload.n) ?? 0) + 1);
    });
  });
  return { consumer, effects, attempts, requestIds };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i }));

describe("outbox relay and consumers", () => {
  test("relays committed events once each, continuing the producer's request id", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    const relay = startRelay(relayOptions(ns.nc, ns.namespace));
    try {
      const ids = await enqueue(ns.namespace, range(1, 20));
      expect(await eventually(() => rec.effects.size === 20)).toBe(true);
      expect([...rec.effects.values()].every((c) => c === 1)).toBe(true);
      expect(rec.requestIds.get(7)).toBe("req-7");
      const rows = await db.select().from(outbox).where(inArray(outbox.id, ids));
      expect(rows.every((r) => r.publishedAt !== null)).toBe(true);
    } finally {
      await relay.stop();
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("events committed while no relay runs are published when one starts (crash between commit and publish)", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    try {
      const ids = await enqueue(ns.namespace, range(1, 5));
      await Bun.sleep(300);
      expect(rec.effects.size).toBe(0);
      const relay = startRelay(relayOptions(ns.nc, ns.namespace));
      expect(await eventually(() => rec.effects.size === 5)).toBe(true);
      await relay.stop();
      const rows = await db.select().from(outbox).where(inArray(outbox.id, ids));
      expect(rows.filter((r) => r.publishedAt === null)).toHaveLength(0);
    } finally {
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("the same event delivered twice has one effect", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    try {
      const js = ns.nc.jetstream();
      const eventId = crypto.randomUUID();
      for (const msgID of ["first", "second"]) {
        const h = natsHeaders();
        h.set(EVENT_ID_HEADER, eventId);
        // Different Nats-Msg-Id: the stream's de-duplication does not absorb it; the consumer must.
        await js.publish(eventSubject(ns.namespace, pinged.subject), JSON.stringify({ n: 1 }), {
          msgID,
          headers: h,
        });
      }
      await js.publish(eventSubject(ns.namespace, pinged.subject), JSON.stringify({ n: 2 }));
      expect(await eventually(() => rec.effects.has(2))).toBe(true);
      await Bun.sleep(200);
      expect(rec.effects.get(1)).toBe(1);
    } finally {
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("an idempotent consumer keys its own effect on the event: once per event, nothing recorded by the runtime", async () => {
    const ns = await openNamespace(natsUrl);
    const effects = new Map<number, number>();
    const consumer = consumeBatch(
      pinged,
      async (events) => {
        const [first] = events;
        if (!first) return;
        const rows = events.map(({ payload, ctx }) => ({ id: ctx.id, n: payload.n }));
        // The context's database is driver-agnostic, so its result type is too: postgres.js gives rows.
        const stored = (await first.ctx.tx.execute(sql`
          insert into kit_events_test.effects (event_id, n)
          select id, n from ${jsonRecords(rows)} as r(id text, n int)
          on conflict do nothing returning n`)) as unknown as Array<{ n: number }>;
        first.ctx.afterCommit(() => {
          for (const { n } of stored) effects.set(n, (effects.get(n) ?? 0) + 1);
        });
      },
      { name: `idem-${ns.namespace}`, idempotent: true },
    );
    const consumers = await consumersOf(ns.nc, ns.namespace, [consumer]);
    try {
      const js = ns.nc.jetstream();
      const subject = eventSubject(ns.namespace, pinged.subject);
      const ids = Array.from({ length: 10 }, () => crypto.randomUUID());
      // Every event twice, under other Nats-Msg-Ids: the stream keeps both copies.
      for (const copy of ["a", "b"])
        for (const [i, id] of ids.entries()) {
          const h = natsHeaders();
          h.set(EVENT_ID_HEADER, id);
          await js.publish(subject, JSON.stringify({ n: i }), { msgID: `${copy}-${id}`, headers: h });
        }
      expect(await eventually(() => effects.size === 10)).toBe(true);
      await Bun.sleep(300);
      expect([...effects.values()]).toEqual(Array.from({ length: 10 }, () => 1));
      const recorded = await db.select().from(processed).where(inArray(processed.eventId, ids));
      expect(recorded).toEqual([]);
    } finally {
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("a relay publishes the rows of finished work at once, and rows written elsewhere at its next poll", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    const relay = startRelay({ ...relayOptions(ns.nc, ns.namespace), pollMs: 3000 });
    try {
      await Bun.sleep(100); // the relay's first scan is done; the next is ~3 s away
      const started = performance.now();
      const ctx = { ...newRequestContext(1000), namespace: ns.namespace };
      await db.transaction((tx) => enqueueEvent(tx, outbox, pinged, { n: 1 }, ctx));
      settleEvents(ctx); // what serving a request or handling an event does when its work ends
      expect(await eventually(() => rec.effects.has(1), 2000)).toBe(true);
      expect(performance.now() - started).toBeLessThan(2000);
      // Written by another process: nothing names it to this relay, its poll finds it.
      await db.transaction((tx) =>
        enqueueEvent(tx, outbox, pinged, { n: 2 }, { ...newRequestContext(1000), namespace: ns.namespace }),
      );
      expect(await eventually(() => rec.effects.has(2), 6000)).toBe(true);
      expect(rec.effects.get(1)).toBe(1);
    } finally {
      await relay.stop();
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("two consumer instances share the work and each event takes effect once", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const a = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    const b = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    const relay = startRelay(relayOptions(ns.nc, ns.namespace));
    try {
      await enqueue(ns.namespace, range(1, 30));
      expect(await eventually(() => rec.effects.size === 30)).toBe(true);
      await Bun.sleep(200);
      expect([...rec.effects.values()].every((c) => c === 1)).toBe(true);
    } finally {
      await relay.stop();
      await Promise.all([a.stop(), b.stop()]);
      await ns.cleanup();
    }
  });

  test("a poison event is dead-lettered after the retry limit while the others flow", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    const relay = startRelay(relayOptions(ns.nc, ns.namespace));
    try {
      await enqueue(ns.namespace, [...range(1, 4), { n: 99, poison: true }, ...range(5, 8)]);
      expect(await eventually(() => rec.effects.size === 8)).toBe(true);
      const subject = deadLetterSubject(ns.namespace, "kittest", pinged.subject);
      const dead = await eventuallyValue(() =>
        ns.jsm.streams.getMessage(eventStreamName(ns.namespace), { last_by_subj: subject }),
      );
      expect(dead?.json<{ n: number }>().n).toBe(99);
      expect(dead?.header.get("portico-dead-attempts")).toBe("3");
      expect(dead?.header.get("portico-dead-reason")).toBe("poison");
      expect(rec.attempts.get(99)).toBe(3);
      expect(rec.effects.has(99)).toBe(false);
    } finally {
      await relay.stop();
      await consumers.stop();
      await ns.cleanup();
    }
  });

  test("an event breaking its contract is dead-lettered at once, the reason on one header line", async () => {
    const ns = await openNamespace(natsUrl);
    const rec = recorder();
    const consumers = await consumersOf(ns.nc, ns.namespace, [rec.consumer]);
    try {
      const h = natsHeaders();
      h.set(EVENT_ID_HEADER, crypto.randomUUID());
      await ns.nc
        .jetstream()
        .publish(eventSubject(ns.namespace, pinged.subject), new TextEncoder().encode('{"n":"one"}'), {
          headers: h,
        });
      const subject = deadLetterSubject(ns.namespace, "kittest", pinged.subject);
      const dead = await eventuallyValue(() =>
        ns.jsm.streams.getMessage(eventStreamName(ns.namespace), { last_by_subj: subject }),
      );
      expect(dead?.header.get("portico-dead-attempts")).toBe("1");
      expect(dead?.header.get("portico-dead-reason")).toContain("expected number");
      expect(rec.attempts.size).toBe(0);
    } finally {
      await consumers.stop();
      await ns.cleanup();
    }
  });
});

async function eventuallyValue<T>(fn: () => Promise<T>, ms = 5000): Promise<T | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      return await fn();
    } catch {
      await Bun.sleep(50);
    }
  }
  return undefined;
}
