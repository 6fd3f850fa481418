// `bun run users:revoke-key <kid> --yes`: withdraws a signing key at once (it leaked, say). It is
// no longer published and its private part is deleted; if it was signing, a new key takes over.
// The change is announced on NATS (as the users identity), so every verifier refetches its key set
// now and tokens signed with the key stop working everywhere.
import { parseArgs } from "node:util";
import { connectNats, createLogger, keysChangedSubject, runMain } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { revokeSigningKey } from "./databaseKeys.ts";
import { loadUsersEnv } from "./env.ts";
import { createKeyVault } from "./keyEncryption.ts";
import * as schema from "./schema.ts";

const usage = "usage: bun run users:revoke-key <kid> --yes   (withdraws that signing key at once)";

runMain(async () => {
  const { values, positionals } = parseArgs({
    options: { yes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  const [kid, ...extra] = positionals;
  if (values.help || !values.yes || !kid || extra.length > 0) {
    console.log(usage);
    process.exit(values.help ? 0 : 2);
  }
  const env = loadUsersEnv();
  const log = createLogger({ service: "users-revoke-key" }, env.LOG_LEVEL);
  const vault = await createKeyVault(env.SIGNING_KEYS_KEK);
  const database = createDatabase(env.DATABASE_URL, schema, { max: 1, appName: "users-revoke-key" });
  try {
    if (!(await revokeSigningKey(database.db, vault, kid))) {
      console.error(`no signing key ${kid}`);
      process.exit(1);
    }
  } finally {
    await database.close();
  }
  const nc = await connectNats({
    url: env.NATS_URL,
    name: "users-revoke-key",
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });
  nc.publish(keysChangedSubject(env.PORTICO_NAMESPACE));
  await nc.drain();
  log.info("revoked signing key", { kid });
});
