import type { Logger } from "@portico/kit";
import type { PaymentsDb } from "./db.ts";
import { deleteExpiredKeys } from "./idempotency.ts";

/** Deletes expired idempotency keys now and then every `intervalMs`; returns a stop function. */
export function startKeyCleanup(opts: {
  db: PaymentsDb;
  log: Logger;
  ttlHours: number;
  intervalMs: number;
}): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= deleteExpiredKeys(opts.db, opts.ttlHours)
      .then((deleted) => {
        if (deleted > 0) opts.log.info("deleted expired idempotency keys", { deleted });
      })
      .catch((error: unknown) => opts.log.warn("idempotency key cleanup failed", { error }))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, opts.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
