import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { forEachLine } from "../../src/lines.ts";

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

export interface ThrowawayNatsOptions {
  /** A server configuration file (e.g. with users and permissions); address, port and store come from flags. */
  config?: string;
  /** The server's environment (a configuration's `$VARIABLE` references are read from it). */
  env?: Record<string, string>;
}

/**
 * A throwaway nats-server with JetStream, owned by one test, so it can be stopped and restarted
 * without touching the machine's shared server. Its store survives restarts until `dispose`.
 */
export class ThrowawayNats implements AsyncDisposable {
  readonly port = freePort();
  readonly url = `nats://127.0.0.1:${this.port}`;
  /** The server's log lines (errors such as permission violations included). */
  readonly log: string[] = [];
  private readonly storeDir = mkdtempSync(join(tmpdir(), "portico-nats-"));
  private proc?: Subprocess<"ignore", "ignore", "pipe">;

  constructor(private readonly opts: ThrowawayNatsOptions = {}) {}

  async start(): Promise<void> {
    const config = this.opts.config ? ["-c", this.opts.config] : [];
    const proc = Bun.spawn(
      [
        "/usr/sbin/nats-server",
        ...config,
        "-a",
        "127.0.0.1",
        "-p",
        String(this.port),
        "-js",
        "-sd",
        this.storeDir,
      ],
      { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...this.opts.env } },
    );
    this.proc = proc;
    void forEachLine(proc.stderr, (line) => this.log.push(line));
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
      if (proc.exitCode !== null) break;
      await Bun.sleep(50);
    }
    throw new Error(`throwaway nats-server did not start:\n${this.log.join("\n")}`);
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
