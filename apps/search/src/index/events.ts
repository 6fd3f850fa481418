import { type EventContract, paymentEvents, userEvents } from "@portico/contracts";
import { consumeBatch, type EventConsumer } from "@portico/kit";
import type { z } from "zod";
import { documents } from "../schema.ts";
import {
  applyDocuments,
  createLexicon,
  type DocumentState,
  paymentDocument,
  userDocument,
} from "./documents.ts";

/** An event the index is built from, and the document state it yields. */
interface Source {
  event: EventContract;
  /** The state of a payload that `event.payload` has already parsed. */
  toDocument(payload: unknown): DocumentState;
}

const source = <E extends EventContract>(
  event: E,
  toDocument: (payload: z.output<E["payload"]>) => DocumentState,
): Source => ({
  event,
  // Only parsed payloads come here: the consumers' runtime and documentFor parse them first.
  toDocument: (payload) => toDocument(payload as z.output<E["payload"]>),
});

/** Every event the index is built from; the live consumers and the reindexer both use this list. */
export const sources: Source[] = [
  source(userEvents.created, userDocument),
  source(userEvents.updated, userDocument),
  source(paymentEvents.succeeded, paymentDocument),
  source(paymentEvents.failed, paymentDocument),
  source(paymentEvents.refunded, paymentDocument),
];

/**
 * The document state an event of `subject` (a contract subject, e.g. `user.created`) yields; throws
 * when the payload breaks the event's contract.
 */
export function documentFor(subject: string, payload: unknown): DocumentState | undefined {
  const found = sources.find((s) => s.event.subject === subject);
  return found?.toDocument(found.event.payload.parse(payload));
}

/**
 * Durable consumers that keep the live index of `namespace` up to date; events delivered together
 * are written with one upsert. Idempotent by construction: a document only ever moves to a newer
 * state, so a redelivered event changes nothing.
 */
export function createConsumers(namespace: string): EventConsumer[] {
  const lexicon = createLexicon();
  return sources.map(({ event, toDocument }) =>
    consumeBatch(
      event,
      async (events) => {
        const [first] = events;
        if (!first) return;
        await applyDocuments(
          first.ctx.tx,
          documents,
          namespace,
          events.map(({ payload }) => toDocument(payload)),
          lexicon,
        );
      },
      { idempotent: true },
    ),
  );
}
