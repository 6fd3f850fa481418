import type { RequestContext } from "../context.ts";

// Relays of this process, woken when a piece of work that wrote outbox rows has finished (so its
// transaction has committed). In-process on purpose: a NOTIFY inside the transaction would make
// Postgres commit event-writing transactions one at a time.
const relays = new Set<() => void>();
const wroteEvents = new WeakSet<RequestContext>();
const FALLBACK_WAKE_MS = 50;

/** Registers a relay's wake-up; returns the function that unregisters it. */
export function onEventsCommitted(wake: () => void): () => void {
  relays.add(wake);
  return () => relays.delete(wake);
}

/** Wakes every relay of this process. */
export function wakeRelays(): void {
  for (const wake of relays) wake();
}

/**
 * Notes that the work of `ctx` wrote outbox rows. Without a context (a script, a timer) there is no
 * end of work to wait for: relays are woken shortly after, and the poll covers a slow commit.
 */
export function noteEventsWritten(ctx: RequestContext | undefined): void {
  if (ctx) wroteEvents.add(ctx);
  else setTimeout(wakeRelays, FALLBACK_WAKE_MS);
}

/** Called when the work of `ctx` has finished: wakes the relays if it wrote events. */
export function settleEvents(ctx: RequestContext): void {
  if (!wroteEvents.has(ctx)) return;
  wroteEvents.delete(ctx);
  wakeRelays();
}
