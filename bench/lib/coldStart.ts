import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/support/ports.ts";

/**
 * Time from launching `bun run start` (the supervisor, its NATS bus and every process) until the
 * gateway's /readyz answers 200 and every service it expects answers discovery.
 */
export async function measureColdStart(port: number, services: number): Promise<number> {
  const root = join(import.meta.dir, "..", "..");
  const store = mkdtempSync(join(tmpdir(), "portico-cold-"));
  const started = performance.now();
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port) };
  delete env.NATS_URL;
  const proc = Bun.spawn(["bun", "scripts/run.ts"], {
    cwd: root,
    env: { ...env, PORTICO_NATS_PORT: String(freePort()), PORTICO_NATS_STORE: store },
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    for (;;) {
      if (performance.now() - started > 30_000) throw new Error("stack did not become ready in 30 s");
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) {
        const health = await fetch(`http://127.0.0.1:${port}/trpc/system.health`).then(
          (r) => r.json(),
          () => null,
        );
        const up = Object.values(health?.result?.data?.services ?? {}).filter(
          (s) => (s as { status?: string }).status === "ok",
        ).length;
        if (up >= services) return Math.round(performance.now() - started);
      }
      await Bun.sleep(20);
    }
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(store, { recursive: true, force: true });
  }
}
