import { users } from "@portico/contracts";
import {
  connectNats,
  createCaller,
  createJwksVerifier,
  createLogger,
  exitOnSignal,
  newRequestContext,
  runMain,
} from "@portico/kit";
import { createGatewayApp } from "./app.ts";
import { loadGatewayEnv } from "./env.ts";

runMain(async () => {
  const startedAt = Date.now();
  const env = loadGatewayEnv();
  const log = createLogger({ service: "gateway", instance: crypto.randomUUID().slice(0, 8) }, env.LOG_LEVEL);
  const nc = await connectNats({ url: env.NATS_URL, name: "gateway", log });
  const caller = createCaller(nc, env.PORTICO_NAMESPACE);
  const verifyToken = createJwksVerifier({
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    log,
    fetchJwks: () => caller.call(users.procedures.jwks, undefined, newRequestContext(env.REQUEST_TIMEOUT_MS)),
  });

  let connected = true;
  let stopping = false;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      if (status.type === "reconnect") connected = true;
    }
  })();

  const app = createGatewayApp(
    { nc, caller, verifyToken, log, env },
    { ready: () => connected && !stopping && !nc.isClosed() },
  ).listen({ port: env.PORT, hostname: env.HOST });
  log.info("ready", { port: app.server?.port, ms: Date.now() - startedAt, namespace: env.PORTICO_NAMESPACE });

  exitOnSignal(async () => {
    stopping = true;
    await app.stop();
    await nc.drain();
  }, log);
});
