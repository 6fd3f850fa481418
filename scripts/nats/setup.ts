// `bun run nats:setup [--rotate]`: writes the NATS server configuration derived from the contracts
// (deploy/nats/nats.conf, committed) and, unless it exists, a password per NATS identity in
// .nats/credentials.env (gitignored). `--rotate` writes new passwords. `--namespace <ns>` writes the
// configuration of another namespace to .nats/nats-<ns>.conf instead. See docs/nats-security.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { identities, renderNatsConfig } from "@portico/kit/nats-auth";
import { committedConfigPath, credentialsPath, root, writeNewCredentials } from "./paths.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--namespace");
const namespace = at >= 0 ? args[at + 1] : "portico";
if (!namespace || !/^[a-z][a-z0-9_-]{0,31}$/.test(namespace)) {
  throw new Error("usage: bun run nats:setup [--rotate] [--namespace <lowercase namespace>]");
}

const show = (path: string) => relative(root, path);
const configPath =
  namespace === "portico" ? committedConfigPath : join(root, ".nats", `nats-${namespace}.conf`);
const config = renderNatsConfig(namespace);
const before = existsSync(configPath) ? readFileSync(configPath, "utf8") : undefined;
mkdirSync(join(configPath, ".."), { recursive: true });
writeFileSync(configPath, config);
console.log(`${show(configPath)}: ${before === config ? "unchanged" : "written"}`);

if (existsSync(credentialsPath) && !args.includes("--rotate")) {
  console.log(`${show(credentialsPath)}: kept (--rotate writes new passwords)`);
} else {
  writeNewCredentials();
  console.log(`${show(credentialsPath)}: written (${identities.length} identities, mode 0600)`);
}
