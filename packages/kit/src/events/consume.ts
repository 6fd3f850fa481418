import type { EventContract } from "@portico/contracts";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { RequestContext } from "../context.ts";
import type { Logger } from "../log.ts";

/** What an event handler gets besides the payload. */
export interface EventContext {
  /** The event id (the producer's outbox row id); the same on every redelivery. */
  readonly id: string;
  /**
   * Where the handler's effect goes: the transaction that also records the event as processed, or,
   * for a consumer declared `idempotent`, the database itself (each statement commits on its own).
   */
  readonly tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
  /** Continues the producer's request id and trace; no caller token. */
  readonly request: RequestContext;
  readonly log: Logger;
  /** 1 on first delivery. */
  readonly attempt: number;
  /** Runs `fn` once the transaction has committed (e.g. to push a live update); failures are only logged. */
  afterCommit(fn: () => Promise<void> | void): void;
}

/**
 * Handles one event; throwing rolls its transaction back and asks for a redelivery later. Events
 * delivered together share one transaction, and when it rolls back each runs again alone, so a
 * handler may run more than once per delivery: only its effects through `tx` and `afterCommit`
 * happen exactly once.
 */
export type EventHandler<E extends EventContract> = (
  payload: z.output<E["payload"]>,
  ctx: EventContext,
) => Promise<void>;

/** One event of those a consumer handles together, with its own context. */
export interface DeliveredEvent<E extends EventContract> {
  payload: z.output<E["payload"]>;
  ctx: EventContext;
}

/**
 * Handles events delivered together, all in one transaction (the `tx` of every context). Throwing
 * rolls them all back; each is then run again alone.
 */
export type EventBatchHandler<E extends EventContract> = (events: DeliveredEvent<E>[]) => Promise<void>;

/** A consumer as a service declares it; the runtime gives it a durable JetStream consumer. */
export interface EventConsumer {
  readonly event: EventContract;
  /** Distinguishes two consumers of the same event in one service; defaults to the event subject. */
  readonly name: string;
  /** True when the handler's writes are idempotent by their own keys (see `ConsumeOptions`). */
  readonly idempotent: boolean;
  /** Runs the handler over events whose payloads are already validated against `event.payload`. */
  runBatch(events: Array<{ payload: unknown; ctx: EventContext }>): Promise<void>;
}

export interface ConsumeOptions {
  /** Distinguishes two consumers of the same event in one service; defaults to the event subject. */
  name?: string;
  /**
   * The handler makes its effect idempotent by its own keys: an insert keyed on the event id with
   * `ON CONFLICT DO NOTHING`, or an upsert that never replaces a newer state by an older one, so
   * applying an event twice, or a part of it again, changes nothing. The runtime then records
   * nothing for the event and opens no transaction: `ctx.tx` is the database, and each of the
   * handler's statements commits on its own. Default false: the runtime records each event as
   * processed in the handler's transaction.
   */
  idempotent?: boolean;
}

/** Declares that this service reacts to `event` with `handler` (at least once, idempotent via the runtime). */
export function consume<E extends EventContract>(
  event: E,
  handler: EventHandler<E>,
  opts: ConsumeOptions = {},
): EventConsumer {
  return {
    event,
    name: opts.name ?? event.subject,
    idempotent: opts.idempotent ?? false,
    async runBatch(events) {
      // The runtime passes only payloads that `event.payload` parsed.
      for (const { payload, ctx } of events) await handler(payload as z.output<E["payload"]>, ctx);
    },
  };
}

/**
 * Like `consume`, for a handler that does the work of many events at once (one statement for all
 * of them rather than one per event). At least once and idempotent per event, as `consume`.
 */
export function consumeBatch<E extends EventContract>(
  event: E,
  handler: EventBatchHandler<E>,
  opts: ConsumeOptions = {},
): EventConsumer {
  return {
    event,
    name: opts.name ?? event.subject,
    idempotent: opts.idempotent ?? false,
    // The runtime passes only payloads that `event.payload` parsed.
    runBatch: (events) => handler(events as DeliveredEvent<E>[]),
  };
}

/** The durable JetStream consumer name of (namespace, service, consumer). */
export function durableName(namespace: string, service: string, consumer: string): string {
  return `${namespace}_${service}_${consumer}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * The consumer a service replays the whole event stream with (search's reindex): one fixed name
 * per (namespace, service), so NATS permissions can allow exactly it.
 */
export function replayConsumerName(namespace: string, service: string): string {
  return durableName(namespace, service, "replay");
}
