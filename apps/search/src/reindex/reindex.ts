import type { Logger } from "@portico/kit";
import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { NatsConnection } from "nats";
import { applyDocuments } from "../index/documents.ts";
import { documentsTable } from "../schema.ts";
import { firstSequence, openReplay } from "./replay.ts";
import { copyOtherNamespaces, createShadow, dropShadow, swapIn } from "./shadow.ts";

export interface ReindexOptions {
  db: PostgresJsDatabase<Record<string, unknown>>;
  nc: NatsConnection;
  namespace: string;
  batch: number;
  log: Logger;
  /** Rebuild even though the stream no longer holds its oldest events (their documents are lost). */
  allowPartial?: boolean;
}

export interface ReindexReport {
  events: number;
  documents: number;
  buildMs: number;
  /** How long writers waited on the swap (readers only wait for the final rename). */
  swapMs: number;
}

/**
 * Rebuilds the namespace's index from its event stream into a shadow table and swaps it in: the
 * bulk of the replay runs while queries and consumers use the live table; under a short write lock
 * the tail of the stream is applied and the tables are exchanged in one transaction.
 */
export async function reindex(opts: ReindexOptions): Promise<ReindexReport> {
  const { db, nc, namespace, log } = opts;
  const first = await firstSequence(await nc.jetstreamManager(), namespace);
  if (first !== undefined && first > 1 && !opts.allowPartial) {
    throw new Error(
      `the event stream starts at sequence ${first}: older events expired (EVENTS_MAX_AGE_MS), so a ` +
        "rebuild would drop their documents; pass --allow-partial to rebuild anyway",
    );
  }
  const started = Date.now();
  const shadow = await createShadow(db);
  const target = documentsTable(shadow.table);
  try {
    const replay = await openReplay(nc, namespace, opts.batch, log);
    let events = await replay.catchUp((states) => applyDocuments(db, target, namespace, states));
    log.info("index rebuilt aside", { events, table: shadow.table, ms: Date.now() - started });
    const swapStarted = Date.now();
    const documents = await db.transaction(async (tx) => {
      // Consumers' writes wait from here; queries keep reading the live table until the commit.
      await tx.execute(sql`lock table search.documents in exclusive mode`);
      events += await replay.catchUp((states) => applyDocuments(tx, target, namespace, states));
      await copyOtherNamespaces(tx, shadow, namespace);
      const [count] = await tx.execute<{ n: number }>(
        sql`select count(*)::int as n from ${target} where namespace = ${namespace}`,
      );
      await swapIn(tx, shadow);
      return count?.n ?? 0;
    });
    return { events, documents, buildMs: swapStarted - started, swapMs: Date.now() - swapStarted };
  } catch (error) {
    await dropShadow(db, shadow).catch(() => undefined);
    throw error;
  }
}
