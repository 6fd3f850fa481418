import { and, asc, inArray, isNull, or, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type JetStreamClient, headers as natsHeaders } from "nats";
import { encodeJson } from "../codec.ts";
import { NAMESPACE_HEADER, type OutboxTable } from "../db/outbox.ts";
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
 * Publishes a service's outbox rows to JetStream and marks them published after the stream's ack.
 * Rows are claimed `FOR UPDATE SKIP LOCKED` in batches, so any number of instances relay safely; a
 * row published twice (crash after the ack, before the commit) is dropped by the stream's
 * de-duplication on `Nats-Msg-Id` = row id. Woken when work of this process that wrote events has
 * finished (see wake.ts), and by a slow poll.
 */
export function startRelay(opts: RelayOptions): Relay {
  const { db, table, js, namespace, log } = opts;
  const mine = or(
    sql`${table.headers}->>${NAMESPACE_HEADER} = ${namespace}`,
    sql`${table.headers}->>${NAMESPACE_HEADER} is null`,
  );

  const relayBatch = () =>
    db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(table)
        .where(and(isNull(table.publishedAt), mine))
        .orderBy(asc(table.createdAt))
        .limit(opts.batchSize)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return 0;
      await Promise.all(
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
      const ids = rows.map((r) => r.id);
      await tx.update(table).set({ publishedAt: new Date() }).where(inArray(table.id, ids));
      return rows.length;
    });

  let stopped = false;
  // A wake-up that arrives while a batch runs is remembered, so the next nap returns at once.
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
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
    while (!stopped) {
      let relayed = 0;
      try {
        relayed = await serial(relayBatch);
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
      if (relayed < opts.batchSize) await nap(opts.pollMs);
    }
  })();

  return {
    async flush() {
      let total = 0;
      for (;;) {
        const n = await serial(relayBatch);
        total += n;
        if (n < opts.batchSize) return total;
      }
    },
    async stop() {
      stopped = true;
      wake();
      await loop;
      unregister();
    },
  };
}
