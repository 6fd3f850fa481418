import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { identities, passwordVariable } from "@portico/kit/nats-auth";

export const root = join(import.meta.dir, "..", "..");
/** The committed server configuration (namespace `portico`), used by compose and `nats:serve`. */
export const committedConfigPath = join(root, "deploy", "nats", "nats.conf");
/** Generated passwords for local use: `<IDENTITY>_NATS_PASSWORD=…` lines. */
export const credentialsPath = join(root, ".nats", "credentials.env");
/** Where the local bus keeps its JetStream data. */
export const localStorePath = join(root, ".nats", "jetstream");

/** Reads `.nats/credentials.env` into variables; empty when it does not exist. */
export async function readCredentials(): Promise<Record<string, string>> {
  const file = Bun.file(credentialsPath);
  if (!(await file.exists())) return {};
  const entries = (await file.text())
    .split("\n")
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);
  return Object.fromEntries(entries);
}

/**
 * Writes a secret file readable by its owner only: into a temp file created 0600 beside it, then
 * renamed over the old one, so no reader ever sees it half-written or with looser permissions.
 */
export function writePrivateFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Writes a fresh random password per NATS identity to `.nats/credentials.env` (mode 0600). */
export function writeNewCredentials(): void {
  // nats-server parses a variable's value as configuration: a letter then hex stays a plain string.
  const password = () => `p${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString("hex")}`;
  const lines = identities.map((identity) => `${passwordVariable(identity)}=${password()}`);
  writePrivateFile(
    credentialsPath,
    `# NATS passwords, one per identity (bun run nats:setup). Keep private; never commit.\n${lines.join("\n")}\n`,
  );
}

/** The credentials, written first if they do not exist yet. */
export async function ensureCredentials(): Promise<Record<string, string>> {
  if (!existsSync(credentialsPath)) writeNewCredentials();
  return readCredentials();
}
