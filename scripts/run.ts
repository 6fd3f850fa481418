// `bun run start` / `bun run dev`: runs the gateway and every service as separate processes, with
// prefixed, coloured log lines. `--watch` restarts a process when its code changes; `--scale users=3`
// runs more instances of one service. A process that crashes is restarted with a growing delay.
// With .nats/credentials.env (`bun run nats:setup`) each process connects to NATS as its own user.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { readCredentials } from "./nats/paths.ts";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const watch = args.includes("--watch");
const scale = new Map<string, number>();
for (let i = 0; i < args.length; i++) {
  if (args[i] !== "--scale") continue;
  const [name, count] = (args[i + 1] ?? "").split("=");
  if (!name || !count || !/^\d+$/.test(count)) throw new Error("usage: --scale <app>=<instances>");
  scale.set(name, Number(count));
}

const apps = readdirSync(join(root, "apps"))
  .filter((app) => existsSync(join(root, "apps", app, "src", "main.ts")))
  .sort((a, b) => (a === "gateway" ? 1 : b === "gateway" ? -1 : a.localeCompare(b)));
const colours = [36, 35, 33, 32, 34, 91, 92, 93];
const credentials = await readCredentials();
if (Object.keys(credentials).length > 0) {
  console.log("NATS: each process connects as its own user (.nats/credentials.env)");
}

/** A process's environment: ours, without any identity's NATS password but its own. */
function envOf(app: string): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.endsWith("_NATS_PASSWORD")));
  const password = credentials[`${app.toUpperCase()}_NATS_PASSWORD`];
  return password ? { ...env, NATS_USER: app, NATS_PASSWORD: password } : env;
}
const reset = "\x1b[0m";
const startedAt = performance.now();
const children = new Set<Subprocess>();
let stopping = false;
let pendingReady = 0;

/** A JSON log line as `level message key=value …`; anything else as it is. */
function pretty(line: string): string {
  try {
    const { time: _time, level, msg, service: _service, instance: _instance, ...rest } = JSON.parse(line);
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    const tint = level === "error" ? "\x1b[31m" : level === "warn" ? "\x1b[33m" : "";
    return `${tint}${String(level).padEnd(5)}${tint ? reset : ""} ${msg}${fields ? ` ${fields}` : ""}`;
  } catch {
    return line;
  }
}

async function pipe(stream: ReadableStream<Uint8Array>, prefix: string, onLine: (line: string) => void) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      process.stdout.write(`${prefix} ${pretty(line)}\n`);
      onLine(line);
    }
  }
}

function run(app: string, instance: number, colour: number, restarts = 0): void {
  const label = scale.has(app) || instance > 1 ? `${app}#${instance}` : app;
  const prefix = `\x1b[${colour}m${label.padEnd(16)}|${reset}`;
  const entry = join("apps", app, "src", "main.ts");
  const proc = Bun.spawn(["bun", ...(watch ? ["--watch"] : []), entry], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: envOf(app),
  });
  children.add(proc);
  let ready = false;
  const onLine = (line: string) => {
    if (ready || !line.includes('"msg":"ready"')) return;
    ready = true;
    if (restarts === 0 && --pendingReady === 0) {
      const ms = Math.round(performance.now() - startedAt);
      console.log(`\x1b[1mPortico is up: ${children.size} processes ready in ${ms} ms${reset}`);
    }
  };
  void pipe(proc.stdout, prefix, onLine);
  void pipe(proc.stderr, prefix, onLine);
  void proc.exited.then((code) => {
    children.delete(proc);
    if (stopping) return;
    const delay = Math.min(30_000, 500 * 2 ** restarts);
    console.log(`${prefix} exited with ${code}; restarting in ${delay} ms`);
    setTimeout(() => run(app, instance, colour, ready ? 0 : restarts + 1), delay);
  });
}

let colourIndex = 0;
for (const app of apps) {
  const colour = colours[colourIndex++ % colours.length] ?? 37;
  const count = scale.get(app) ?? 1;
  for (let i = 1; i <= count; i++) {
    pendingReady++;
    run(app, i, colour);
  }
}

const shutdown = () => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  void Promise.all([...children].map((c) => c.exited)).then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
