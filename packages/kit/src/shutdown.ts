import type { Logger } from "./log.ts";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 when it finished cleanly, 1 when it failed
 * or took longer than `graceMs`.
 */
export function exitOnSignal(stop: () => Promise<void>, log: Logger, graceMs = 10_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    const timer = setTimeout(() => {
      log.error("shutdown took too long; exiting", { graceMs });
      process.exit(1);
    }, graceMs);
    stop().then(
      () => {
        clearTimeout(timer);
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Runs a process's main function, printing configuration and start-up errors plainly before exiting 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message =
      error instanceof Error ? (error.name === "ConfigError" ? error.message : error.stack) : error;
    console.error(String(message));
    process.exit(1);
  });
}
