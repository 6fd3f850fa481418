import { and, asc, isNull, or, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type JetStreamClient, headers as natsHeaders } from "nats";
import { encodeJson } from "../codec.ts";
import { NAMESPACE_HEADER, type OutboxTable } from "../db/outbox.ts";
import { uuidArray } from "../db/params.ts";
import type { Logger } from "../log.ts";
import { EVENT_ID_HEADER, EVENT_VERSION_HEADER } from "./headers.ts";
import { eventSubject } from "./stream.ts";
import { onEventsCommitted } from "./wake.ts";

type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

export interface RelayOptions {
  db: Db;
  table: OutboxTable;
  js: JetStreamClient;
  namespace: string;
  log: Logger;
  batchSize: number;
  /** Idle re-check interval, for rows no wake-up announced (written by another process, or while no relay ran). */
  pollMs: number;
}

export interface Relay {
  /** Publishes what is waiting now (used by tests and the benchmark); resolves with the count. */
  flush(): Promise<number>;
  /** Finishes the batch in flight and stops. */
  stop(): Promise<void>;
}

/**
 * Publishes a service's outbox rows to JetStream and marks them published once the stream has
 * acked them. Woken when work of this process that wrote events has finished (see wake.ts), it
 * looks exactly those rows up by primary key. A scan for any other waiting row (written by another
 * process, or while no relay ran) runs at least every `pollMs`, claiming rows `FOR UPDATE SKIP
 * LOCKED` in batches, so any number of instances relay safely. A row published twice (a crash
 * after the ack, before the mark; a scan meeting a named row) is dropped by the stream's
 * de-duplication on `Nats-Msg-Id` = row id.
 */
export function startRelay(opts: RelayOptions): Relay {
  const { db, table, js, namespace, log } = opts;
  type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
  type Row = typeof table.$inferSelect;
  const mine = or(
    sql`${table.headers}->>${NAMESPACE_HEADER} = ${namespace}`,
    sql`${table.headers}->>${NAMESPACE_HEADER} is null`,
  );

  /** Publishes rows, each with its event id as `Nats-Msg-Id`; resolves once the stream has acked all. */
  const publishAll = (rows: Row[]) =>
    Promise.all(
      rows.map((row) => {
        const h = natsHeaders();
        for (const [k, v] of Object.entries(row.headers)) if (k !== NAMESPACE_HEADER) h.set(k, v);
        h.set(EVENT_ID_HEADER, row.id);
        h.set(EVENT_VERSION_HEADER, String(row.version));
        return js.publish(eventSubject(namespace, row.subject), encodeJson(row.payload), {
          msgID: row.id,
          headers: h,
        });
      }),
    );
  const markPublished = (tx: Db | Tx, rows: Row[]) =>
    tx
      .update(table)
      .set({ publishedAt: new Date() })
      .where(and(sql`${table.id} = any(${uuidArray(rows.map((r) => r.id))})`, isNull(table.publishedAt)));

  /**
   * The oldest waiting rows of this namespace, skipping those another relay holds: locked,
   * published and marked in one transaction, rolled back (left waiting) when a publish fails.
   */
  const relayOldest = () =>
    db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(table)
        .where(and(isNull(table.publishedAt), mine))
        .orderBy(asc(table.createdAt))
        .limit(opts.batchSize)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return 0;
      await publishAll(rows);
      await markPublished(tx, rows);
      return rows.length;
    });
  /**
   * The rows among `ids` that are still waiting, found by primary key however large the table,
   * published, then marked. No transaction holds them meanwhile: should another relay's scan
   * publish one too, the stream drops the second copy by its `Nats-Msg-Id`.
   */
  const relayNamed = async (ids: string[]) => {
    const rows = await db
      .select()
      .from(table)
      .where(and(sql`${table.id} = any(${uuidArray(ids)})`, isNull(table.publishedAt)))
      .orderBy(asc(table.createdAt));
    if (rows.length === 0) return 0;
    await publishAll(rows);
    await markPublished(db, rows);
    return rows.length;
  };

  let stopped = false;
  // Rows work of this process wrote and finished with; a wake-up that arrives while a batch runs
  // is remembered, so the next nap returns at once.
  const hinted = new Set<string>();
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const wake = (ids: string[]) => {
    for (const id of ids) hinted.add(id);
    woken = true;
    wakeUp?.();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      wakeUp = finish;
      if (woken || stopped) finish();
    });
  /** Up to a batch of the hinted rows, taken out of the set. */
  const takeHinted = () => {
    const ids: string[] = [];
    for (const id of hinted) {
      if (ids.length === opts.batchSize) break;
      ids.push(id);
      hinted.delete(id);
    }
    return ids;
  };

  let chain: Promise<unknown> = Promise.resolve();
  /** One batch at a time per instance; `flush` and the loop queue behind each other. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const unregister = onEventsCommitted(wake);

  const loop = (async () => {
    let failures = 0;
    let scannedAt = Number.NEGATIVE_INFINITY;
    // After a scan that filled a batch, more rows may be waiting: scan again at once.
    let scanAgain = false;
    while (!stopped) {
      const sinceScan = performance.now() - scannedAt;
      const scanning: boolean = scanAgain || sinceScan >= opts.pollMs;
      // The work finishing in one turn wakes the relay once per piece: take all of it together.
      if (!scanning) await new Promise((resolve) => setImmediate(resolve));
      const ids = scanning ? [] : takeHinted();
      if (!scanning && ids.length === 0) {
        await nap(opts.pollMs - sinceScan);
        continue;
      }
      let relayed = 0;
      try {
        if (scanning) scannedAt = performance.now();
        // A failed batch leaves its rows waiting, for the next scan.
        relayed = await serial(() => (scanning ? relayOldest() : relayNamed(ids)));
        if (failures > 0) log.info("outbox relay recovered", { failures });
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          log.warn("outbox relay failed; retrying", { error, failures });
        await nap(Math.min(200 * 2 ** Math.min(failures, 6), opts.pollMs * 5));
        continue;
      }
      if (relayed > 0) log.debug("relayed outbox events", { count: relayed });
      scanAgain = scanning && relayed === opts.batchSize;
    }
  })();

  return {
    async flush() {
      let total = 0;
      for (;;) {
        const n = await serial(relayOldest);
        total += n;
        if (n < opts.batchSize) return total;
      }
    },
    async stop() {
      stopped = true;
      wake([]);
      await loop;
      unregister();
    },
  };
}
