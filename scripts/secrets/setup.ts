// `bun run secrets:setup`: the secrets a Docker compose deployment needs, made once and kept:
// .secrets/key-set.jwk (the users service signs its published keys with it; mode 0600) and
// .secrets/compose.env (mode 0600): that key and the key-encryption key of private signing keys
// for the users container, its public half for every container, the Postgres superuser's password
// and one password per service role. Then, with
// `bun run nats:setup`:
//   docker compose --env-file .nats/credentials.env --env-file .secrets/compose.env up --build
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { root, writePrivateFile } from "../nats/paths.ts";
import { ensureKeySet, ensureSigningKeysKek } from "./keySet.ts";

const args = process.argv.slice(2);
if (args.length > 0) {
  console.error(
    "usage: bun run secrets:setup   (no options; delete a file under .secrets/ to make it again)",
  );
  process.exit(args.includes("--help") || args.includes("-h") ? 0 : 2);
}
const composeEnvPath = join(root, ".secrets", "compose.env");
const { privateFile, publicJwk } = await ensureKeySet();
console.log(`${relative(root, privateFile)}: ready`);
if (existsSync(composeEnvPath)) {
  console.log(`${relative(root, composeEnvPath)}: kept`);
} else {
  const password = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  const lines = [
    "# Secrets of the compose deployment (bun run secrets:setup). Keep private; never commit.",
    `KEY_SET_PUBLIC_KEY='${publicJwk}'`,
    `KEY_SET_PRIVATE_KEY='${readFileSync(privateFile, "utf8").trim()}'`,
    `SIGNING_KEYS_KEK=${ensureSigningKeysKek()}`,
    `POSTGRES_PASSWORD=${password()}`,
    ...["USERS", "PAYMENTS", "NOTIFICATIONS", "SEARCH"].map((s) => `${s}_DB_PASSWORD=${password()}`),
  ];
  writePrivateFile(composeEnvPath, `${lines.join("\n")}\n`);
  console.log(`${relative(root, composeEnvPath)}: written (mode 0600)`);
}
