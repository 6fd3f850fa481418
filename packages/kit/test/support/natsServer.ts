import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/**
 * A throwaway nats-server with JetStream, owned by one test, so it can be stopped and restarted
 * without touching the machine's shared server. Its store survives restarts until `dispose`.
 */
export class ThrowawayNats implements AsyncDisposable {
  readonly port = freePort();
  readonly url = `nats://127.0.0.1:${this.port}`;
  private readonly storeDir = mkdtempSync(join(tmpdir(), "portico-nats-"));
  private proc?: Subprocess;

  async start(): Promise<void> {
    this.proc = Bun.spawn(
      ["/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir],
      { stdout: "ignore", stderr: "ignore" },
    );
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      const ok = await Bun.connect({ hostname: "127.0.0.1", port: this.port, socket: { data() {} } }).then(
        (s) => {
          s.end();
          return true;
        },
        () => false,
      );
      if (ok) return;
      await Bun.sleep(50);
    }
    throw new Error("throwaway nats-server did not start");
  }

  async stop(): Promise<void> {
    this.proc?.kill("SIGTERM");
    await this.proc?.exited;
    this.proc = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
