import type { EventContract } from "@portico/contracts";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { RequestContext } from "../context.ts";
import type { Logger } from "../log.ts";

/** What an event handler gets besides the payload. */
export interface EventContext {
  /** The event id (the producer's outbox row id); the same on every redelivery. */
  readonly id: string;
  /** The transaction the handler's effect goes in; it also records the event as processed. */
  readonly tx: PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
  /** Continues the producer's request id and trace; no caller token. */
  readonly request: RequestContext;
  readonly log: Logger;
  /** 1 on first delivery. */
  readonly attempt: number;
  /** Runs `fn` once the transaction has committed (e.g. to push a live update); failures are only logged. */
  afterCommit(fn: () => Promise<void> | void): void;
}

/** Handles one event; throwing rolls its transaction back and asks for a redelivery later. */
export type EventHandler<E extends EventContract> = (
  payload: z.output<E["payload"]>,
  ctx: EventContext,
) => Promise<void>;

/** A consumer as a service declares it; the runtime gives it a durable JetStream consumer. */
export interface EventConsumer {
  readonly event: EventContract;
  /** Distinguishes two consumers of the same event in one service; defaults to the event subject. */
  readonly name: string;
  /** Runs the handler with a payload already validated against `event.payload`. */
  run(payload: unknown, ctx: EventContext): Promise<void>;
}

/** Declares that this service reacts to `event` with `handler` (at least once, idempotent via the runtime). */
export function consume<E extends EventContract>(
  event: E,
  handler: EventHandler<E>,
  opts: { name?: string } = {},
): EventConsumer {
  return {
    event,
    name: opts.name ?? event.subject,
    // The runtime passes only payloads that `event.payload` parsed.
    run: (payload, ctx) => handler(payload as z.output<E["payload"]>, ctx),
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
