import { decodeJson, eventStreamName, eventSubject, type Logger, replayConsumerName } from "@portico/kit";
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamManager,
  type NatsConnection,
  NatsError,
  nanos,
} from "nats";
import type { DocumentState } from "../index/documents.ts";
import { documentFor } from "../index/events.ts";

/** Reads a namespace's event stream from its first event, in order, as document states. */
export interface Replay {
  /** Applies every event up to the stream's current end, in batches; resolves with how many it read. */
  catchUp(apply: (states: DocumentState[]) => Promise<void>): Promise<number>;
}

/** The first retained sequence of the stream (1 unless old events expired), or undefined when there is none. */
export async function firstSequence(jsm: JetStreamManager, namespace: string): Promise<number | undefined> {
  try {
    const info = await jsm.streams.info(eventStreamName(namespace));
    return info.state.messages === 0 ? undefined : info.state.first_seq;
  } catch (error) {
    if (error instanceof NatsError && error.api_error?.err_code === 10059) return undefined;
    throw error;
  }
}

/** Opens an ordered (ephemeral, gap-free) consumer over all of `namespace`'s events. */
export async function openReplay(
  nc: NatsConnection,
  namespace: string,
  batch: number,
  log: Logger,
): Promise<Replay> {
  const jsm = await nc.jetstreamManager();
  const prefix = eventSubject(namespace, "");
  const empty = (await firstSequence(jsm, namespace)) === undefined;
  let consumer: Consumer | undefined;
  if (!empty) {
    // An ephemeral pull consumer of our own (NATS 2.9 has no multi-filter ordered consumers); the
    // server removes it a minute after the last fetch. Its fixed name is the one search's NATS
    // permissions allow; one left by an interrupted run is removed first, so reading starts over.
    const stream = eventStreamName(namespace);
    const name = replayConsumerName(namespace, "search");
    await jsm.consumers.delete(stream, name).catch((error: unknown) => {
      if (!(error instanceof NatsError && error.api_error?.err_code === 10014)) throw error;
    });
    const info = await jsm.consumers.add(stream, {
      name,
      filter_subject: `${prefix}>`,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.None,
      inactive_threshold: nanos(60_000),
      mem_storage: true,
    });
    consumer = await nc.jetstream().consumers.get(stream, info.name);
  }
  return {
    async catchUp(apply) {
      if (!consumer) return 0;
      let read = 0;
      for (;;) {
        // Asking first means a caught-up replay returns at once instead of waiting out a fetch.
        const waiting = (await consumer.info()).num_pending;
        if (waiting === 0) return read;
        const states: DocumentState[] = [];
        let got = 0;
        const messages = await consumer.fetch({ max_messages: Math.min(batch, waiting), expires: 5000 });
        for await (const msg of messages) {
          got++;
          try {
            const state = documentFor(msg.subject.slice(prefix.length), decodeJson(msg.data));
            if (state) states.push(state);
          } catch (error) {
            log.warn("skipping an event that breaks its contract", {
              seq: msg.seq,
              subject: msg.subject,
              error,
            });
          }
        }
        await apply(states);
        read += got;
        if (got === 0) return read;
      }
    },
  };
}
