import { connectNats, createLogger, exitOnSignal, runMain } from "@portico/kit";
import { createGatewayApp } from "./app.ts";
import { createGatewayDeps } from "./deps.ts";
import { loadGatewayEnv } from "./env.ts";

runMain(async () => {
  const startedAt = Date.now();
  const env = loadGatewayEnv();
  const log = createLogger({ service: "gateway", instance: crypto.randomUUID().slice(0, 8) }, env.LOG_LEVEL);
  const nc = await connectNats({
    url: env.NATS_URL,
    name: "gateway",
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });

  let connected = true;
  let stopping = false;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") connected = false;
      if (status.type === "reconnect") connected = true;
    }
  })();

  const deps = createGatewayDeps(nc, env, log);
  const app = createGatewayApp(deps, {
    ready: () => connected && !stopping && !nc.isClosed(),
  }).listen({ port: env.PORT, hostname: env.HOST });
  log.info("ready", { port: app.server?.port, ms: Date.now() - startedAt, namespace: env.PORTICO_NAMESPACE });

  // Graceful: /readyz turns 503 first, the server stops accepting and lets in-flight requests
  // finish, then NATS drains (in-flight replies are delivered) before the process exits.
  exitOnSignal(async () => {
    stopping = true;
    await app.stop();
    await nc.drain();
    await deps.telemetry.shutdown();
  }, log);
});
