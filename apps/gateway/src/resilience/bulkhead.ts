/** Caps the calls in flight to one service, so a slow service cannot take every connection and timer. */
export interface Bulkhead {
  readonly inFlight: number;
  /** Takes a slot, or returns false when all are taken (the caller should fail fast). */
  tryEnter(): boolean;
  leave(): void;
}

/** Creates a bulkhead with `max` slots. */
export function createBulkhead(max: number): Bulkhead {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    tryEnter() {
      if (inFlight >= max) return false;
      inFlight += 1;
      return true;
    },
    leave() {
      inFlight = Math.max(0, inFlight - 1);
    },
  };
}
