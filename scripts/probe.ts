// `bun scripts/probe.ts <service>`: exits 0 when at least one instance of the service answers NATS
// service discovery in this namespace (used as a container health check).
import { commonEnv, inboxPrefix, loadEnv, runMain } from "@portico/kit";
import { connect, RequestStrategy } from "nats";

runMain(async () => {
  const service = process.argv[2];
  if (!service) throw new Error("usage: bun scripts/probe.ts <service>");
  const env = loadEnv(commonEnv);
  // In a service's container this runs as that service's NATS identity, which may ping its own instances.
  const nc = await connect({
    servers: env.NATS_URL.split(","),
    timeout: 2000,
    ...(env.NATS_USER && env.NATS_PASSWORD
      ? { user: env.NATS_USER, pass: env.NATS_PASSWORD, inboxPrefix: inboxPrefix(env.NATS_USER) }
      : {}),
  });
  let found = 0;
  const pings = await nc.services.client({ maxWait: 1000, strategy: RequestStrategy.Timer }).ping(service);
  for await (const ping of pings) if (ping.metadata?.namespace === env.PORTICO_NAMESPACE) found++;
  await nc.close();
  console.log(`${service}: ${found} instance(s)`);
  process.exit(found > 0 ? 0 : 1);
});
