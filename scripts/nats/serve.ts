// `bun run nats:serve [port]`: runs nats-server with the repository's configuration
// (deploy/nats/nats.conf) and the passwords of .nats/credentials.env on 127.0.0.1 (port 4223 by
// default, beside the machine's own server), JetStream stored in .nats/jetstream. Then
// `NATS_URL=nats://127.0.0.1:4223 bun run start` runs every process as its own NATS user.
import { join } from "node:path";
import { committedConfigPath, credentialsPath, readCredentials, root } from "./paths.ts";

const port = process.argv[2] ?? "4223";
const credentials = await readCredentials();
if (Object.keys(credentials).length === 0)
  throw new Error(`no ${credentialsPath}: run bun run nats:setup first`);
const server = Bun.which("nats-server") ?? "/usr/sbin/nats-server";
const args = [
  "-c",
  committedConfigPath,
  "-a",
  "127.0.0.1",
  "-p",
  port,
  "-js",
  "-sd",
  join(root, ".nats", "jetstream"),
];
const proc = Bun.spawn([server, ...args], {
  env: { ...process.env, ...credentials },
  stdout: "inherit",
  stderr: "inherit",
});
const stop = () => proc.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.exit(await proc.exited);
