import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { forEachLine } from "@portico/kit";
import { renderNatsConfig } from "@portico/kit/nats-auth";
import type { Subprocess } from "bun";
import { committedConfigPath, localStorePath, root } from "./paths.ts";

export interface LocalBus {
  url: string;
  /** False when a server was already listening on the port (e.g. `bun run nats:serve`) and is used as it is. */
  started: boolean;
  stop(): Promise<void>;
}

const accepts = (port: number) =>
  Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
    (socket) => {
      socket.end();
      return true;
    },
    () => false,
  );

/** The server configuration of a namespace: the committed file for `portico`, else one generated into .nats/. */
export function configFor(namespace: string): string {
  if (namespace === "portico") return committedConfigPath;
  const path = join(root, ".nats", `nats-${namespace}.conf`);
  writeFileSync(path, renderNatsConfig(namespace));
  return path;
}

/**
 * Runs nats-server on 127.0.0.1:`port` with the configuration generated from the contracts: every
 * process must connect as its own user with the password in `credentials`, and may use only its
 * own subjects. JetStream data stays in .nats/jetstream (or `storeDir`) between runs.
 */
export async function startLocalBus(opts: {
  namespace: string;
  port: number;
  credentials: Record<string, string>;
  /** JetStream's store; .nats/jetstream by default. */
  storeDir?: string;
  /** Where the server's own log lines go. */
  onLog?: (line: string) => void;
}): Promise<LocalBus> {
  const url = `nats://127.0.0.1:${opts.port}`;
  if (await accepts(opts.port)) return { url, started: false, stop: async () => undefined };
  const server = Bun.which("nats-server") ?? "/usr/sbin/nats-server";
  if (!existsSync(server)) throw new Error("nats-server is not installed (apt-get install nats-server)");
  const proc: Subprocess<"ignore", "ignore", "pipe"> = Bun.spawn(
    [
      server,
      "-c",
      configFor(opts.namespace),
      "-a",
      "127.0.0.1",
      "-p",
      String(opts.port),
      "-js",
      "-sd",
      opts.storeDir ?? localStorePath,
    ],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...opts.credentials } },
  );
  const lines: string[] = [];
  void forEachLine(proc.stderr, (line) => {
    lines.push(line);
    opts.onLog?.(line);
  });
  const until = Date.now() + 10_000;
  while (!(await accepts(opts.port))) {
    if (proc.exitCode !== null || Date.now() > until) {
      proc.kill();
      throw new Error(`nats-server did not start on ${url}:\n${lines.join("\n")}`);
    }
    await Bun.sleep(50);
  }
  return {
    url,
    started: true,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
