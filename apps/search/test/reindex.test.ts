import { afterAll, describe, expect, test } from "bun:test";
import { type EventContract, paymentEvents, userEvents } from "@portico/contracts";
import {
  createLogger,
  EVENT_ID_HEADER,
  encodeJson,
  ensureEventStream,
  eventStreamName,
  eventSubject,
} from "@portico/kit";
import { connect, headers } from "nats";
import type { z } from "zod";
import { natsUrl } from "../../../test/support/env.ts";
import { reindex } from "../src/reindex/reindex.ts";
import { cleanUp, db, find, tick, uniqueNamespace } from "./support.ts";

const log = createLogger({ service: "search-test" }, "warn");
const nc = await connect({ servers: natsUrl });
const jsm = await nc.jetstreamManager();
const js = nc.jetstream();
const namespaces: string[] = [];

afterAll(async () => {
  for (const ns of namespaces) await jsm.streams.delete(eventStreamName(ns)).catch(() => undefined);
  await nc.close();
  await cleanUp();
});

async function openStream() {
  const ns = uniqueNamespace();
  namespaces.push(ns);
  await ensureEventStream(jsm, ns, { duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
  const publish = async <E extends EventContract>(event: E, payload: z.input<E["payload"]>) => {
    const h = headers();
    const id = crypto.randomUUID();
    h.set(EVENT_ID_HEADER, id);
    await js.publish(eventSubject(ns, event.subject), encodeJson(payload), { msgID: id, headers: h });
  };
  return { ns, publish };
}

describe("reindex", () => {
  test("rebuilds the index from the stream, twice, with identical results", async () => {
    const { ns, publish } = await openStream();
    const carol = crypto.randomUUID();
    const created = tick();
    await publish(userEvents.created, { userId: carol, name: "Carol Danvers", createdAt: created });
    await publish(userEvents.updated, { userId: carol, name: "Carol Marvel", updatedAt: tick() });
    // Out of order: an older rename arrives last and must not win.
    await publish(userEvents.updated, { userId: carol, name: "Carol Stale", updatedAt: created });
    const paymentId = crypto.randomUUID();
    const facts = { paymentId, userId: carol, amount: 500, currency: "JPY" as const, description: "Ramen" };
    const paid = tick();
    await publish(paymentEvents.refunded, {
      ...facts,
      occurredAt: tick(),
      refundId: crypto.randomUUID(),
      refundAmount: 500,
      amountRefunded: 500,
    });
    await publish(paymentEvents.succeeded, { ...facts, occurredAt: paid });

    const first = await reindex({ db, nc, namespace: ns, batch: 2, log });
    expect(first).toMatchObject({ events: 5, documents: 2 });
    const results = async () => [
      (await find(ns, carol, "carol")).items,
      (await find(ns, carol, "ramen")).items,
      (await find(ns, carol, "stale")).items,
    ];
    const once = await results();
    expect(once[0]?.map((h) => h.title)).toEqual(["Carol Marvel"]);
    expect(once[1]?.map((h) => h.snippet)).toEqual(["<mark>Ramen</mark> · 500 JPY · refunded"]);
    expect(once[2]).toEqual([]);

    await reindex({ db, nc, namespace: ns, batch: 500, log });
    expect(await results()).toEqual(once);
  });

  test("keeps other namespaces' documents and the live table's index names", async () => {
    const a = await openStream();
    const b = await openStream();
    const dora = crypto.randomUUID();
    await a.publish(userEvents.created, { userId: dora, name: "Dora Explorer", createdAt: tick() });
    await b.publish(userEvents.created, { userId: dora, name: "Dora Builder", createdAt: tick() });
    await reindex({ db, nc, namespace: a.ns, batch: 100, log });
    await reindex({ db, nc, namespace: b.ns, batch: 100, log });
    expect((await find(a.ns, dora, "dora")).items.map((h) => h.title)).toEqual(["Dora Explorer"]);
    expect((await find(b.ns, dora, "dora")).items.map((h) => h.title)).toEqual(["Dora Builder"]);
    const names = await db.execute<{ name: string }>(
      "select indexname as name from pg_indexes where schemaname = 'search' and tablename = 'documents' order by 1",
    );
    expect(names.map((r) => r.name)).toEqual(["documents_owner_idx", "documents_pkey", "documents_tsv_idx"]);
  });
});
