/** One service's recent traffic as the status page shows it. */
export interface ServiceTraffic {
  /** Calls per second over the window. */
  rate: number;
  /** Share of calls that failed (0..1), or null without calls. */
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

interface Sample {
  at: number;
  ms: number;
  ok: boolean;
}

/** The value at quantile `q` of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/**
 * Keeps the last `windowMs` of this gateway's calls to each service (at most `maxSamples` each),
 * so the status page can show rate, error rate and latency percentiles without a metrics backend.
 */
export function createCallStats(windowMs = 60_000, maxSamples = 5000) {
  const samples = new Map<string, Sample[]>();
  const trim = (list: Sample[], now: number) => {
    let drop = 0;
    while (drop < list.length && (list[drop]?.at ?? now) < now - windowMs) drop += 1;
    if (list.length - drop > maxSamples) drop = list.length - maxSamples;
    if (drop > 0) list.splice(0, drop);
  };
  return {
    record(service: string, ms: number, ok: boolean, now = Date.now()): void {
      const list = samples.get(service) ?? [];
      samples.set(service, list);
      list.push({ at: now, ms, ok });
      if (list.length > maxSamples * 1.25) trim(list, now);
    },
    traffic(service: string, now = Date.now()): ServiceTraffic {
      const list = samples.get(service) ?? [];
      trim(list, now);
      const sorted = list.map((s) => s.ms).sort((a, b) => a - b);
      const errors = list.filter((s) => !s.ok).length;
      return {
        rate: list.length / (windowMs / 1000),
        errorRate: list.length > 0 ? errors / list.length : null,
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
      };
    },
  };
}
export type CallStats = ReturnType<typeof createCallStats>;
