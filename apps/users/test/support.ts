import { serviceDatabaseUrl, sharedNatsEnv, uniqueNamespace } from "../../../test/support/env.ts";
import { sharedKeySet } from "../../../test/support/keySet.ts";
import { loadUsersEnv, type UsersEnv } from "../src/env.ts";

/** Configuration of an in-process users service for a test: own namespace, cheap hashing, quiet logs. */
export function testUsersEnv(extra: Record<string, string> = {}): UsersEnv {
  return loadUsersEnv({
    ...sharedNatsEnv,
    ...sharedKeySet.env,
    ...sharedKeySet.usersEnv,
    PORTICO_NAMESPACE: uniqueNamespace(),
    DATABASE_URL: serviceDatabaseUrl("users"),
    PASSWORD_MEMORY_KIB: "1024",
    PASSWORD_TIME_COST: "1",
    LOG_LEVEL: "error",
    ...extra,
  });
}
