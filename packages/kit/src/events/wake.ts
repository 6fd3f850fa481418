import type { RequestContext } from "../context.ts";

// Relays of this process, woken when a piece of work that wrote outbox rows has finished (so its
// transaction has committed, or rolled back), with the ids of the rows it wrote. In-process on
// purpose: a NOTIFY inside the transaction would make Postgres commit event-writing transactions
// one at a time.
const relays = new Set<(ids: string[]) => void>();
const written = new WeakMap<RequestContext, string[]>();
const FALLBACK_WAKE_MS = 50;

/** Registers a relay's wake-up; returns the function that unregisters it. */
export function onEventsCommitted(wake: (ids: string[]) => void): () => void {
  relays.add(wake);
  return () => relays.delete(wake);
}

/** Wakes every relay of this process, naming the outbox rows that may now be waiting (maybe none). */
export function wakeRelays(ids: string[] = []): void {
  for (const wake of relays) wake(ids);
}

/**
 * Notes that the work of `ctx` wrote the outbox row `id`. Without a context (a script, a timer)
 * there is no end of work to wait for: relays are woken shortly after, and the poll covers a slow
 * commit.
 */
export function noteEventsWritten(ctx: RequestContext | undefined, id: string): void {
  if (!ctx) {
    setTimeout(() => wakeRelays([id]), FALLBACK_WAKE_MS);
    return;
  }
  const ids = written.get(ctx);
  if (ids) ids.push(id);
  else written.set(ctx, [id]);
}

/** Called when the work of `ctx` has finished: wakes the relays if it wrote events. */
export function settleEvents(ctx: RequestContext): void {
  const ids = written.get(ctx);
  if (!ids) return;
  written.delete(ctx);
  wakeRelays(ids);
}
