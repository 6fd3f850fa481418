// `bun scripts/nats/as.ts <identity> <entry> [args…]`: runs an operator command as one NATS identity.
// Without NATS_USER in the environment, it takes that identity's password from .nats/credentials.env,
// as `bun run start` gives each process its own; NATS_URL defaults to the local bus.
import { identities } from "@portico/kit/nats-auth";
import { readCredentials } from "./paths.ts";

const [identity, entry, ...rest] = process.argv.slice(2);
if (!identity || !entry || !(identities as readonly string[]).includes(identity)) {
  console.error(`usage: bun scripts/nats/as.ts <${identities.join("|")}> <entry> [args…]`);
  process.exit(2);
}
const env: Record<string, string | undefined> = { ...process.env };
if (!env.NATS_USER) {
  const password = (await readCredentials())[`${identity.toUpperCase()}_NATS_PASSWORD`];
  if (password) Object.assign(env, { NATS_USER: identity, NATS_PASSWORD: password });
}
const proc = Bun.spawn(["bun", entry, ...rest], {
  env,
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
});
process.exit(await proc.exited);
