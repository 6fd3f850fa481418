// The monolith baseline for `bun run bench`: the gateway's HTTP, tRPC, auth and rate limiting with
// the users service's handlers in the same process, called through the same request pipeline
// (validation, token check, output check) but without the NATS hop. Same code, one process.
import { users } from "@portico/contracts";
import { connectNats, createLocalCaller, createLogger, exitOnSignal, runMain } from "@portico/kit";
import { createGatewayApp } from "../apps/gateway/src/app.ts";
import { createGatewayDeps } from "../apps/gateway/src/deps.ts";
import { loadGatewayEnv } from "../apps/gateway/src/env.ts";
import { loadUsersEnv } from "../apps/users/src/env.ts";
import { createUsersCore } from "../apps/users/src/service.ts";

runMain(async () => {
  const env = loadGatewayEnv();
  const log = createLogger({ service: "monolith" }, env.LOG_LEVEL);
  // NATS only for what the gateway keeps there (the shared rate-limit buckets); no procedure call uses it.
  const nc = await connectNats({
    url: env.NATS_URL,
    name: "monolith",
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });
  const core = await createUsersCore(loadUsersEnv(), log, async () => undefined);
  const local = createLocalCaller(
    [{ contract: users, handlers: core.handlers, verifyToken: core.verifyToken }],
    log,
  );
  const app = createGatewayApp(createGatewayDeps(nc, env, log, local), { ready: () => true }).listen({
    port: env.PORT,
    hostname: env.HOST,
  });
  log.info("ready", { port: app.server?.port });
  exitOnSignal(async () => {
    await app.stop();
    await nc.drain();
    await core.close();
  }, log);
});
