import { join } from "node:path";

export const root = join(import.meta.dir, "..", "..");
/** The committed server configuration (namespace `portico`), used by compose and `nats:serve`. */
export const committedConfigPath = join(root, "deploy", "nats", "nats.conf");
/** Generated passwords for local use: `<IDENTITY>_NATS_PASSWORD=…` lines. */
export const credentialsPath = join(root, ".nats", "credentials.env");

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
