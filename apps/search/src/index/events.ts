import { type EventContract, paymentEvents, userEvents } from "@portico/contracts";
import { consumeBatch, type EventConsumer } from "@portico/kit";
import type { z } from "zod";
import { documents } from "../schema.ts";
import { applyDocuments, type DocumentState, paymentDocument, userDocument } from "./documents.ts";

/** An event the index is built from, and the document state it yields. */
interface Source {
  event: EventContract;
  toDocument(payload: unknown): DocumentState;
}

const source = <E extends EventContract>(
  event: E,
  toDocument: (payload: z.output<E["payload"]>) => DocumentState,
): Source => ({
  event,
  // zod's parse of a generic schema is typed `unknown`; it returns exactly `z.output<E["payload"]>`.
  toDocument: (payload) => toDocument(event.payload.parse(payload) as z.output<E["payload"]>),
});

/** Every event the index is built from; the live consumers and the reindexer both use this list. */
export const sources: Source[] = [
  source(userEvents.created, userDocument),
  source(userEvents.updated, userDocument),
  source(paymentEvents.succeeded, paymentDocument),
  source(paymentEvents.failed, paymentDocument),
  source(paymentEvents.refunded, paymentDocument),
];

/** The document state an event of `subject` (a contract subject, e.g. `user.created`) yields. */
export function documentFor(subject: string, payload: unknown): DocumentState | undefined {
  return sources.find((s) => s.event.subject === subject)?.toDocument(payload);
}

/**
 * Durable consumers that keep the live index of `namespace` up to date; events delivered together
 * are written with one upsert.
 */
export function createConsumers(namespace: string): EventConsumer[] {
  return sources.map(({ event, toDocument }) =>
    consumeBatch(event, async (events) => {
      const [first] = events;
      if (!first) return;
      await applyDocuments(
        first.ctx.tx,
        documents,
        namespace,
        events.map(({ payload }) => toDocument(payload)),
      );
    }),
  );
}
