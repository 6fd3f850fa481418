import { join } from "node:path";
import { runCommand } from "../../test/support/process.ts";

/** One load run's figures. Latencies in milliseconds. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A Lua script in bench/lua (for POST bodies that must differ per request). */
  script?: string;
  /** Values the Lua script reads from its arguments (after `--`). */
  scriptArgs?: string[];
}

/** Fails with a clear message when wrk is missing. */
export function requireWrk(): void {
  if (Bun.which("wrk")) return;
  console.error("bench needs wrk (a C load generator): apt-get install -y wrk");
  process.exit(2);
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  const unit = match[2];
  return unit === "us" ? n / 1000 : unit === "ms" ? n : unit === "s" ? n * 1000 : n * 60_000;
}

/** Parses wrk's `--latency` report. */
export function parseWrk(output: string): LoadResult {
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(output)?.[1] ?? "");
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { rps, p50: pct("50"), p99: pct("99"), requests, errors: non2xx + socketErrors };
}

/** Runs wrk against one URL with a fixed number of connections for a fixed time. */
export async function runWrk(opts: LoadOptions): Promise<LoadResult> {
  const args = ["wrk", "-t2", `-c${opts.connections}`, `-d${opts.seconds}s`, "--latency", "--timeout", "5s"];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.script) args.push("-s", join(import.meta.dir, "..", "lua", opts.script));
  args.push(opts.url);
  if (opts.scriptArgs) args.push("--", ...opts.scriptArgs);
  const { code, stdout, stderr } = await runCommand(args);
  if (code !== 0) throw new Error(`wrk failed (${code}): ${stderr || stdout}`);
  // wrk closes its connections with requests still in flight; the gateway finishes them anyway.
  // Without a pause the next run's connections meet them, and the bulkhead (100 per service)
  // refused a few dozen of the next run's calls as busy.
  await Bun.sleep(1000);
  return parseWrk(stdout);
}

/** The median of several runs, by throughput (its latencies come from the same run). */
export function median(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor(sorted.length / 2)];
  if (!mid) throw new Error("no results");
  return mid;
}
