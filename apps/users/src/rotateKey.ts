// `bun run users:rotate-key`: creates a new access-token signing key and retires the current one.
// Tokens signed with the old key stay valid until they expire; every instance signs with the new key within a minute.
import { createLogger, runMain } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { rotateSigningKey } from "./databaseKeys.ts";
import { loadUsersEnv } from "./env.ts";
import * as schema from "./schema.ts";

runMain(async () => {
  const env = loadUsersEnv();
  const database = createDatabase(env.DATABASE_URL, schema, { max: 1, appName: "users-rotate-key" });
  try {
    const kid = await rotateSigningKey(database.db);
    createLogger({ service: "users" }).info("rotated signing key", { kid });
  } finally {
    await database.close();
  }
});
