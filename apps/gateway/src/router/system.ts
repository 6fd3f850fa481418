import { type ServiceName, SystemHealth, services } from "@portico/contracts";
import { ErrorCode, NatsError, RequestStrategy } from "nats";
import { z } from "zod";
import type { GatewayDeps } from "../context.ts";
import { publicProcedure, router } from "../trpc.ts";

type ServiceHealth = SystemHealth["services"][ServiceName];

/** Asks NATS service discovery which instances of a service answer, and how fast the first one did. */
async function probe(deps: GatewayDeps, name: ServiceName): Promise<ServiceHealth> {
  const started = performance.now();
  let instances = 0;
  let latencyMs: number | null = null;
  try {
    const pings = await deps.nc.services
      .client({ maxWait: deps.env.HEALTH_WAIT_MS, strategy: RequestStrategy.Timer })
      .ping(name);
    for await (const ping of pings) {
      if (ping.metadata?.namespace !== deps.env.PORTICO_NAMESPACE) continue;
      instances += 1;
      latencyMs ??= Math.round((performance.now() - started) * 10) / 10;
    }
  } catch (error) {
    // "No responders" simply means no instance is running; anything else is worth a warning.
    if (!(error instanceof NatsError && error.code === ErrorCode.NoResponders)) {
      deps.log.warn("service discovery failed", { service: name, error });
    }
  }
  return { status: instances > 0 ? "ok" : "down", instances, latencyMs };
}

/** Health of every service behind the gateway. */
export async function systemHealth(deps: GatewayDeps): Promise<SystemHealth> {
  const names = Object.keys(services) as ServiceName[];
  const results = await Promise.all(names.map((name) => probe(deps, name)));
  const byName = Object.fromEntries(names.map((name, i) => [name, results[i]])) as SystemHealth["services"];
  const up = results.filter((r) => r.status === "ok").length;
  const status = up === results.length ? "ok" : up === 0 ? "down" : "degraded";
  return { status, services: byName };
}

export const systemRouter = router({
  health: publicProcedure
    .input(z.void())
    .output(SystemHealth)
    .query(({ ctx }) => systemHealth(ctx.deps)),
});
