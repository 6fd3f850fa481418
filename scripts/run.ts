// `bun run start` / `bun run dev`: runs the gateway and every service as separate processes, with
// prefixed, coloured log lines. `--watch` restarts a process when its code changes; `--scale users=3`
// runs more instances of one service. A process that crashes is restarted with a growing delay.
// NATS: without NATS_URL, the local bus is started first (nats-server on 127.0.0.1:4223 with the
// configuration generated from the contracts, scripts/nats/localBus.ts); every process connects to
// it as its own user with its own password from .nats/credentials.env (written if missing). The
// users service signs its published token keys with .secrets/key-set.jwk (made if missing); every
// process pins its public half.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { forEachLine, loadEnv } from "@portico/kit";
import type { Subprocess } from "bun";
import { z } from "zod";
import { type LocalBus, startLocalBus } from "./nats/localBus.ts";
import { ensureCredentials, readCredentials } from "./nats/paths.ts";
import { ensureKeySet, ensureSigningKeysKek } from "./secrets/keySet.ts";

const usage = "usage: bun run start|dev [--scale <app>=<instances>]…";
const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const watch = args.includes("--watch");
const scale = new Map<string, number>();
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--watch") continue;
  if (arg === "--help" || arg === "-h") {
    console.log(usage);
    process.exit(0);
  }
  const [name, count] = arg === "--scale" ? (args[++i] ?? "").split("=") : [];
  if (!name || !count || !/^\d+$/.test(count)) {
    console.error(usage);
    process.exit(2);
  }
  scale.set(name, Number(count));
}

const env = loadEnv(
  z.object({
    /** A NATS server of your own; unset, the local bus is started. */
    NATS_URL: z.string().optional(),
    PORTICO_NAMESPACE: z.string().default("portico"),
    /** The local bus's port. */
    PORTICO_NATS_PORT: z.coerce.number().int().min(1).max(65535).default(4223),
    /** The local bus's JetStream store (default .nats/jetstream). */
    PORTICO_NATS_STORE: z.string().optional(),
    /** Set both to use a key-set key of your own; unset, .secrets/key-set.jwk is made and used. */
    KEY_SET_PUBLIC_KEY: z.string().optional(),
    KEY_SET_PRIVATE_KEY_FILE: z.string().optional(),
    /** The key-encryption key of private signing keys; unset, .secrets/signing-keys.kek is made and used. */
    SIGNING_KEYS_KEK: z.string().optional(),
  }),
);

const apps = readdirSync(join(root, "apps"))
  .filter((app) => existsSync(join(root, "apps", app, "src", "main.ts")))
  .sort((a, b) => (a === "gateway" ? 1 : b === "gateway" ? -1 : a.localeCompare(b)));
const colours = [36, 35, 33, 32, 34, 91, 92, 93];
const credentials = env.NATS_URL ? await readCredentials() : await ensureCredentials();
let bus: LocalBus | undefined;
if (!env.NATS_URL) {
  bus = await startLocalBus({
    namespace: env.PORTICO_NAMESPACE,
    port: env.PORTICO_NATS_PORT,
    credentials,
    ...(env.PORTICO_NATS_STORE ? { storeDir: env.PORTICO_NATS_STORE } : {}),
    onLog: (line) => {
      if (/\[(ERR|FTL)\]/.test(line)) console.log(`\x1b[90m${"nats".padEnd(16)}|\x1b[0m ${line}`);
    },
  });
  console.log(
    `NATS: ${bus.started ? "started" : "using the server already on"} ${bus.url}; each process connects as its own user`,
  );
} else if (Object.keys(credentials).length > 0) {
  console.log(`NATS: ${env.NATS_URL}; each process connects as its own user (.nats/credentials.env)`);
}
const natsUrl = env.NATS_URL ?? bus?.url ?? "";
// The users service signs its published keys with the key-set key; every process pins its public half.
const keySet =
  env.KEY_SET_PUBLIC_KEY && env.KEY_SET_PRIVATE_KEY_FILE
    ? { publicJwk: env.KEY_SET_PUBLIC_KEY, privateFile: env.KEY_SET_PRIVATE_KEY_FILE }
    : await ensureKeySet();
// Private signing keys are sealed in the users schema with this key.
const signingKeysKek = env.SIGNING_KEYS_KEK ?? ensureSigningKeysKek();

/** A process's environment: ours, without any identity's NATS password but its own. */
function envOf(app: string): Record<string, string | undefined> {
  const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.endsWith("_NATS_PASSWORD")));
  const password = credentials[`${app.toUpperCase()}_NATS_PASSWORD`];
  return {
    ...own,
    NATS_URL: natsUrl,
    KEY_SET_PUBLIC_KEY: keySet.publicJwk,
    ...(app === "users"
      ? { KEY_SET_PRIVATE_KEY_FILE: keySet.privateFile, SIGNING_KEYS_KEK: signingKeysKek }
      : {}),
    ...(password ? { NATS_USER: app, NATS_PASSWORD: password } : {}),
  };
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

function pipe(stream: ReadableStream<Uint8Array>, prefix: string, onLine: (line: string) => void) {
  return forEachLine(stream, (line) => {
    process.stdout.write(`${prefix} ${pretty(line)}\n`);
    onLine(line);
  });
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
  void Promise.all([...children].map((c) => c.exited))
    .then(() => bus?.stop())
    .then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
