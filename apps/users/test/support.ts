import { afterAll, beforeAll } from "bun:test";
import { createCaller, type RunningService, ServiceError } from "@portico/kit";
import { serviceDatabaseUrl, sharedNatsEnv, uniqueNamespace } from "../../../test/support/env.ts";
import { sharedKeySet } from "../../../test/support/keySet.ts";
import { deleteJetStreamState } from "../../../test/support/stack.ts";
import { loadUsersEnv, type UsersEnv } from "../src/env.ts";
import { startUsersService } from "../src/service.ts";

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

/**
 * One in-process users service for a test file: started before its tests, stopped after them
 * (with its namespace's JetStream state); `call()` is a caller in its namespace.
 */
export function inProcessUsers(extra: Record<string, string> = {}) {
  const env = testUsersEnv(extra);
  let service: RunningService | undefined;
  beforeAll(async () => {
    service = await startUsersService(env);
  }, 30_000);
  afterAll(async () => {
    await service?.stop();
    await deleteJetStreamState(env.PORTICO_NAMESPACE);
  });
  return {
    env,
    get service(): RunningService {
      if (!service) throw new Error("the users service has not started");
      return service;
    },
    call: () => {
      if (!service) throw new Error("the users service has not started");
      return createCaller(service.runtime.nc, env.PORTICO_NAMESPACE);
    },
  };
}

/** The code a call failed with, or "ok". */
export function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "ok",
    (error: unknown) => (error instanceof ServiceError ? error.code : String(error)),
  );
}
