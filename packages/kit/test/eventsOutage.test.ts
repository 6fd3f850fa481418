import { beforeAll, expect, test } from "bun:test";
import { inArray } from "drizzle-orm";
import { consume } from "../src/events/index.ts";
import {
  consumersOf,
  createTables,
  db,
  enqueue,
  eventually,
  openNamespace,
  outbox,
  pinged,
  relayOptions,
  startRelay,
} from "./support/eventsFixture.ts";
import { ThrowawayNats } from "./support/natsServer.ts";

beforeAll(createTables);

test("while NATS is down events wait in the outbox, and arrive once it is back", async () => {
  await using nats = new ThrowawayNats();
  await nats.start();
  const ns = await openNamespace(nats.url);
  const seen = new Map<number, number>();
  const consumer = consume(pinged, async (payload, ctx) => {
    ctx.afterCommit(() => {
      seen.set(payload.n, (seen.get(payload.n) ?? 0) + 1);
    });
  });
  const consumers = await consumersOf(ns.nc, ns.namespace, [consumer]);
  const relay = startRelay(relayOptions(ns.nc, ns.namespace));
  try {
    await enqueue(ns.namespace, [{ n: 0 }]);
    expect(await eventually(() => seen.has(0))).toBe(true);

    await nats.stop();
    const ids = await enqueue(ns.namespace, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await Bun.sleep(500);
    const waiting = await db.select().from(outbox).where(inArray(outbox.id, ids));
    expect(waiting.filter((r) => r.publishedAt === null)).toHaveLength(3);

    await nats.start();
    expect(await eventually(() => seen.size === 4, 15_000)).toBe(true);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    const sent = await db.select().from(outbox).where(inArray(outbox.id, ids));
    expect(sent.every((r) => r.publishedAt !== null)).toBe(true);
  } finally {
    await relay.stop();
    await consumers.stop();
    await ns.cleanup();
  }
}, 30_000);
