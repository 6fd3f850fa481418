import { join } from "node:path";
import { forEachLine } from "@portico/kit";
import type { Subprocess } from "bun";

const root = join(import.meta.dir, "..", "..");

/** A Portico process started by a test, with its JSON log lines kept for assertions. */
export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly lines: string[];
  /** The first log entry whose `msg` matches, parsed. */
  entry(msg: string): Record<string, unknown> | undefined;
  /** Graceful stop (SIGTERM), resolving with the exit code. */
  stop(): Promise<number | null>;
  /** Abrupt death, like a crash or `kill -9`. */
  kill(): Promise<void>;
  readonly exited: Promise<number>;
}

/** What a command printed, and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting what it prints. */
export async function runCommand(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Starts `bun <entry>` from the repository root and waits for its `ready` log line. */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<RunningProcess> {
  const lines: string[] = [];
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["bun", entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const onLine = (line: string) => {
    if (line.includes('"msg":"ready"')) markReady();
  };
  const collect = (line: string) => {
    lines.push(line);
    onLine(line);
  };
  void forEachLine(proc.stdout, collect);
  void forEachLine(proc.stderr, collect);
  const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
  const outcome = await Promise.race([
    ready.then(() => "ready" as const),
    proc.exited.then(() => "exited" as const),
    timer,
  ]);
  if (outcome !== "ready") {
    proc.kill("SIGKILL");
    throw new Error(`${name} did not become ready (${outcome}):\n${lines.join("\n")}`);
  }
  return {
    name,
    pid: proc.pid,
    lines,
    entry(msg) {
      for (const line of lines) {
        if (!line.includes(msg)) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) return parsed;
        } catch {}
      }
      return undefined;
    },
    async stop() {
      proc.kill("SIGTERM");
      return proc.exited;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    exited: proc.exited,
  };
}
