import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  nanos,
  headers as natsHeaders,
} from "nats";
import { type Batcher, createBatcher, type ItemOutcome } from "../batch.ts";
import { decodeJson } from "../codec.ts";
import { contextFromHeaders, type RequestContext } from "../context.ts";
import { claimEvents, type ProcessedEventsTable } from "../db/processed.ts";
import type { Logger } from "../log.ts";
import { traceIdOf } from "../trace.ts";
import { durableName, type EventConsumer, type EventContext } from "./consume.ts";
import { EVENT_ID_HEADER } from "./headers.ts";
import { deadLetterSubject, eventStreamName, eventSubject } from "./stream.ts";
import { settleEvents } from "./wake.ts";

export interface ConsumersOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  namespace: string;
  service: string;
  consumers: EventConsumer[];
  inbox: { db: PgDatabase<PgQueryResultHKT, Record<string, unknown>>; table: ProcessedEventsTable };
  log: Logger;
  maxDeliver: number;
  backoffMs: number;
  backoffMaxMs: number;
  concurrency: number;
  /** Time budget of one handler run (its request context's deadline). */
  timeoutMs: number;
}

export interface RunningConsumers {
  /** Stops pulling, finishes the events in hand and hands back the rest for redelivery. */
  stop(): Promise<void>;
}

/** The configuration of a (service, event) durable consumer. */
export function consumerConfig(opts: ConsumersOptions, consumer: EventConsumer): Partial<ConsumerConfig> {
  return {
    durable_name: durableName(opts.namespace, opts.service, consumer.name),
    filter_subject: eventSubject(opts.namespace, consumer.event.subject),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(Math.max(30_000, opts.timeoutMs * 2)),
    // One more than ours: an instance that dies during the last attempt still gets the event dead-lettered.
    max_deliver: opts.maxDeliver + 1,
    max_ack_pending: 1000,
  };
}

/**
 * How long one pull request waits on the server. The client notices a pull lost with a cluster node
 * (the consumer's leader moved) after two missed heartbeats, at half of this each, and pulls again:
 * with nats.js's default of 30 s, delivery stalled for 30-40 s after a node loss; now about 5 s.
 */
const PULL_EXPIRES_MS = 5_000;

/** Starts a durable pull consumer per declared consumer; each instance of the service shares them. */
export async function startConsumers(opts: ConsumersOptions): Promise<RunningConsumers> {
  const stream = eventStreamName(opts.namespace);
  // Batches of one kind each: a whole batch that fails is run again item by item, which is safe
  // for either kind alone (see handleTogether).
  const batcherOf = (idempotent: boolean) =>
    createBatcher<Delivery, AfterCommit[]>({
      maxSize: 100,
      maxConcurrent: 1,
      run: (deliveries) => handleTogether(opts, deliveries, idempotent),
    });
  const batchers = { recorded: batcherOf(false), idempotent: batcherOf(true) };
  const runs: Array<{ messages: ConsumerMessages; done: Promise<void> }> = [];
  for (const consumer of opts.consumers) {
    const config = consumerConfig(opts, consumer);
    const name = config.durable_name ?? consumer.name;
    try {
      await opts.jsm.consumers.add(stream, config);
    } catch {
      await opts.jsm.consumers.update(stream, name, config);
    }
    const messages = await (await opts.js.consumers.get(stream, name)).consume({
      max_messages: Math.max(opts.concurrency * 2, 10),
      expires: PULL_EXPIRES_MS,
    });
    const batcher = consumer.idempotent ? batchers.idempotent : batchers.recorded;
    runs.push({ messages, done: pump(opts, batcher, consumer, messages) });
  }
  return {
    async stop() {
      await Promise.all(runs.map((r) => r.messages.close()));
      await Promise.all(runs.map((r) => r.done));
    },
  };
}

type AfterCommit = () => Promise<void> | void;

/** An event delivered to one consumer, its payload valid, ready for its handler. */
interface Delivery {
  consumer: EventConsumer;
  id: string;
  data: unknown;
  request: RequestContext;
  log: Logger;
  attempt: number;
}

async function pump(
  opts: ConsumersOptions,
  batcher: Batcher<Delivery, AfterCommit[]>,
  consumer: EventConsumer,
  messages: ConsumerMessages,
) {
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  void messages.closed().then(() => {
    closing = true;
  });
  for await (const msg of messages) {
    if (closing) {
      msg.nak();
      continue;
    }
    const task = handle(opts, batcher, consumer, msg)
      .catch((error: unknown) => opts.log.error("event handling crashed", { error }))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

function backoff(opts: ConsumersOptions, attempt: number): number {
  return Math.min(opts.backoffMs * 2 ** (attempt - 1), opts.backoffMaxMs);
}

/**
 * Runs the handlers of events delivered at the same time (to consumers of this service of one
 * kind) together. Events of consumers that rely on the runtime share one transaction: one insert
 * claims them all, one commit makes their effects durable. Events of `idempotent` consumers go to
 * their handlers on the database itself, with nothing recorded. When a batch fails as a whole, the
 * batcher runs each delivery again alone, so a failing event is retried or dead-lettered by itself.
 */
async function handleTogether(
  opts: ConsumersOptions,
  deliveries: Delivery[],
  idempotent: boolean,
): Promise<ItemOutcome<AfterCommit[]>[]> {
  const afterCommits = new Map(deliveries.map((d): [Delivery, AfterCommit[]] => [d, []]));
  // A redelivery meeting its first delivery in one batch runs once.
  const firsts = new Map<string, Delivery>();
  for (const d of deliveries) {
    const k = claimKey(claimOf(opts, d));
    if (firsts.has(k)) d.log.debug("event delivered twice at once");
    else firsts.set(k, d);
  }
  const run = async (tx: EventContext["tx"], batch: Iterable<Delivery>) => {
    const byConsumer = new Map<EventConsumer, Array<{ payload: unknown; ctx: EventContext }>>();
    for (const d of batch) {
      const after = afterCommits.get(d) ?? [];
      const ctx: EventContext = {
        id: d.id,
        tx,
        request: d.request,
        log: d.log,
        attempt: d.attempt,
        afterCommit: (fn) => after.push(fn),
      };
      const group = byConsumer.get(d.consumer) ?? [];
      group.push({ payload: d.data, ctx });
      byConsumer.set(d.consumer, group);
    }
    for (const [consumer, events] of byConsumer) await consumer.runBatch(events);
  };
  if (idempotent) await run(opts.inbox.db, firsts.values());
  else {
    await opts.inbox.db.transaction(async (tx) => {
      const claims = [...firsts.values()].map((d) => claimOf(opts, d));
      const fresh = new Set((await claimEvents(tx, opts.inbox.table, claims)).map(claimKey));
      // Handled before (a redelivery): acked without running again.
      const todo = [...firsts].flatMap(([k, d]) => {
        if (fresh.has(k)) return [d];
        d.log.debug("event already processed");
        return [];
      });
      await run(tx, todo);
    });
  }
  return deliveries.map((d) => ({ ok: true, value: afterCommits.get(d) ?? [] }));
}

const claimOf = (opts: ConsumersOptions, d: Delivery) => ({
  consumer: `${opts.service}:${d.consumer.name}`,
  eventId: d.id,
});
const claimKey = (c: { consumer: string; eventId: string }) => `${c.consumer}\u0000${c.eventId}`;

async function handle(
  opts: ConsumersOptions,
  batcher: Batcher<Delivery, AfterCommit[]>,
  consumer: EventConsumer,
  msg: JsMsg,
): Promise<void> {
  const attempt = msg.info.deliveryCount;
  const id = msg.headers?.get(EVENT_ID_HEADER) || `${msg.info.stream}:${msg.seq}`;
  const request: RequestContext = {
    ...contextFromHeaders(msg.headers, Date.now(), opts.timeoutMs),
    namespace: opts.namespace,
  };
  const log = opts.log.child({
    requestId: request.requestId,
    traceId: traceIdOf(request.traceparent),
    event: consumer.event.subject,
    eventId: id,
    attempt,
  });
  const parsed = safeParse(consumer, msg);
  if (!parsed.ok) {
    // No retry can fix a payload that breaks its contract.
    await deadLetter(opts, consumer, msg, id, parsed.error, log);
    return;
  }
  let after: AfterCommit[];
  try {
    after = await batcher.submit({ consumer, id, data: parsed.data, request, log, attempt });
  } catch (error) {
    settleEvents(request);
    if (attempt >= opts.maxDeliver) {
      await deadLetter(opts, consumer, msg, id, error, log);
      return;
    }
    const delay = backoff(opts, attempt);
    log.warn("event handler failed; will retry", { error, retryInMs: delay });
    msg.nak(delay);
    return;
  }
  settleEvents(request);
  msg.ack();
  for (const fn of after) {
    try {
      await fn();
    } catch (error) {
      log.warn("after-commit step failed", { error });
    }
  }
}

function safeParse(
  consumer: EventConsumer,
  msg: JsMsg,
): { ok: true; data: unknown } | { ok: false; error: unknown } {
  try {
    const result = consumer.event.payload.safeParse(decodeJson(msg.data));
    return result.success ? { ok: true, data: result.data } : { ok: false, error: result.error };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Parks an event on the dead-letter subject (keeping its headers, adding why) and stops its delivery. */
async function deadLetter(
  opts: ConsumersOptions,
  consumer: EventConsumer,
  msg: JsMsg,
  id: string,
  error: unknown,
  log: Logger,
): Promise<void> {
  const h = natsHeaders();
  for (const [k, values] of msg.headers ?? []) {
    if (!k.toLowerCase().startsWith("nats-")) for (const v of values) h.append(k, v);
  }
  h.set("portico-dead-consumer", `${opts.service}:${consumer.name}`);
  h.set("portico-dead-attempts", String(msg.info.deliveryCount));
  // A header value is one line; a zod error's message is multi-line JSON.
  const reason = error instanceof Error ? error.message : String(error);
  h.set("portico-dead-reason", reason.replace(/\s+/g, " ").trim().slice(0, 500));
  try {
    await opts.js.publish(deadLetterSubject(opts.namespace, opts.service, consumer.event.subject), msg.data, {
      msgID: `dead:${opts.service}:${consumer.name}:${id}`,
      headers: h,
    });
  } catch (publishError) {
    log.error("could not dead-letter event; will retry", { error: publishError });
    msg.nak(backoff(opts, msg.info.deliveryCount));
    return;
  }
  log.error("event dead-lettered", { error });
  msg.term();
}
