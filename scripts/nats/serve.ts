// `bun run nats:serve [port]`: runs the local NATS bus on its own, in the foreground: nats-server
// with the configuration generated from the contracts and the passwords of .nats/credentials.env
// (written if missing), on 127.0.0.1 (port 4223 by default), JetStream stored in .nats/jetstream.
// `bun run start` starts the same bus by itself when none is running.
import { startLocalBus } from "./localBus.ts";
import { ensureCredentials } from "./paths.ts";

const arg = process.argv[2] ?? "4223";
if (!/^\d+$/.test(arg)) {
  console.error("usage: bun run nats:serve [port]");
  process.exit(2);
}
const bus = await startLocalBus({
  namespace: "portico",
  port: Number(arg),
  credentials: await ensureCredentials(),
  onLog: (line) => console.log(line),
});
if (!bus.started) {
  console.error(`something already listens on ${bus.url}`);
  process.exit(1);
}
console.log(`NATS with per-process users on ${bus.url}`);
const stop = () => void bus.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
