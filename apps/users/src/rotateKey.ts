// `bun run users:rotate-key --yes`: creates a new access-token signing key and retires the current
// one (its private part is deleted). Tokens signed with the old key stay valid until they expire;
// every instance signs with the new key within SIGNING_KEYS_RELOAD_MS.
import { parseArgs } from "node:util";
import { createLogger, runMain } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { rotateSigningKey } from "./databaseKeys.ts";
import { loadUsersEnv } from "./env.ts";
import { createKeyVault } from "./keyEncryption.ts";
import * as schema from "./schema.ts";

const usage = "usage: bun run users:rotate-key --yes   (a new signing key; the current one retires)";

runMain(async () => {
  const { values } = parseArgs({
    options: { yes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help || !values.yes) {
    console.log(usage);
    process.exit(values.help ? 0 : 2);
  }
  const env = loadUsersEnv();
  const vault = await createKeyVault(env.SIGNING_KEYS_KEK);
  const database = createDatabase(env.DATABASE_URL, schema, { max: 1, appName: "users-rotate-key" });
  try {
    const kid = await rotateSigningKey(database.db, vault);
    createLogger({ service: "users" }).info("rotated signing key", { kid });
  } finally {
    await database.close();
  }
});
