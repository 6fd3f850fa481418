export type BreakerState = "closed" | "half-open" | "open";

export interface BreakerOptions {
  /** Failures within `windowMs` that open the breaker. */
  threshold: number;
  windowMs: number;
  /** How long the breaker stays open before a half-open probe is let through. */
  openMs: number;
  onChange?: (state: BreakerState) => void;
  now?: () => number;
}

/** A circuit breaker: closed → open after `threshold` failures in a window → one half-open probe → closed or open. */
export interface Breaker {
  readonly state: BreakerState;
  /** Whether a call may go ahead now; in half-open state only one probe is admitted at a time. */
  tryAcquire(): boolean;
  /** Milliseconds until an open breaker lets a probe through; 0 unless open. */
  retryInMs(): number;
  success(): void;
  failure(): void;
}

/** Creates a breaker for one service. */
export function createBreaker(opts: BreakerOptions): Breaker {
  const now = opts.now ?? Date.now;
  let state: BreakerState = "closed";
  let failures: number[] = [];
  let openedAt = 0;
  let probing = false;
  const set = (next: BreakerState) => {
    if (state === next) return;
    state = next;
    opts.onChange?.(next);
  };
  const open = () => {
    openedAt = now();
    failures = [];
    probing = false;
    set("open");
  };
  return {
    get state() {
      if (state === "open" && now() - openedAt >= opts.openMs) set("half-open");
      return state;
    },
    tryAcquire() {
      const current = this.state;
      if (current === "closed") return true;
      if (current === "open" || probing) return false;
      probing = true;
      return true;
    },
    retryInMs() {
      return this.state === "open" ? Math.max(0, opts.openMs - (now() - openedAt)) : 0;
    },
    success() {
      if (state !== "closed") {
        failures = [];
        probing = false;
        set("closed");
      }
    },
    failure() {
      if (state === "half-open") return open();
      if (state === "open") return;
      const t = now();
      failures = failures.filter((at) => at > t - opts.windowMs);
      failures.push(t);
      if (failures.length >= opts.threshold) open();
    },
  };
}
