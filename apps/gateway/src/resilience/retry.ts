/** Exponential backoff with full jitter: a random wait in [0, base·2^attempt], so retries do not stampede. */
export function backoffMs(baseMs: number, attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * baseMs * 2 ** attempt);
}
