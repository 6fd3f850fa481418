import { type ServiceName, services } from "@portico/contracts";
import { Header, traceIdOf } from "@portico/kit";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Elysia } from "elysia";
import { type GatewayContext, type GatewayDeps, requestIdFrom } from "./context.ts";
import { clientIp } from "./http/clientIp.ts";
import { guardRequest } from "./http/guard.ts";
import { serveWebApp } from "./http/webApp.ts";
import { appRouter } from "./router/index.ts";
import { systemHealth } from "./router/system.ts";
import { renderStatusPage } from "./status/page.ts";

/** Whether the gateway can serve: NATS connected and not shutting down. */
export interface Readiness {
  ready(): boolean;
}

/** Renders `GET /status` from live discovery, breaker states and this gateway's recent calls. */
async function statusPage(deps: GatewayDeps): Promise<string> {
  const health = await systemHealth(deps);
  const rows = (Object.keys(services) as ServiceName[]).map((name) => ({
    name,
    health: health.services[name],
    breaker: deps.caller.breakerState(name),
    traffic: deps.stats.traffic(name),
  }));
  return renderStatusPage({
    overall: health.status,
    rows,
    refreshSeconds: deps.env.STATUS_REFRESH_SECONDS,
    namespace: deps.env.PORTICO_NAMESPACE,
    generatedAt: new Date(),
  });
}

/** Builds the gateway's HTTP app: probes, metrics, the status page, the web app at `/app/` and the tRPC API at `/trpc`. */
export function createGatewayApp(deps: GatewayDeps, readiness: Readiness) {
  const { env } = deps;
  return (
    new Elysia()
      .get("/healthz", () => "ok")
      .get("/readyz", ({ set }) => {
        if (readiness.ready()) return "ready";
        set.status = 503;
        return "not ready";
      })
      .get("/metrics", async () => {
        const body = await deps.metrics.registry.metrics();
        return new Response(body, { headers: { "content-type": deps.metrics.registry.contentType } });
      })
      .get("/status", async () => {
        const html = await statusPage(deps);
        return new Response(html, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        });
      })
      // The example web app (apps/web), same origin as the API so it needs no CORS.
      .get("/app", () => serveWebApp(env.WEB_DIR, ""))
      .get("/app/*", ({ params }) => serveWebApp(env.WEB_DIR, params["*"]))
      .all("/trpc/*", async ({ request: incoming, server }) => {
        const requestId = requestIdFrom(incoming.headers.get(Header.requestId));
        const work = deps.telemetry.start(
          `${incoming.method} ${new URL(incoming.url).pathname}`,
          incoming.headers.get(Header.traceparent),
          "server",
        );
        const { traceparent } = work;
        const log = deps.log.child({ requestId, traceId: traceIdOf(traceparent) });
        const header = incoming.headers.get(Header.authorization) ?? undefined;
        // Looked up only when a per-IP limit needs it (public procedures): one syscall per request.
        let ip: string | undefined;
        const ipOf = () =>
          (ip ??= clientIp(
            server?.requestIP(incoming)?.address,
            incoming.headers.get("x-forwarded-for"),
            env.TRUSTED_PROXIES,
          ));
        const guarded = await guardRequest(incoming, {
          maxBodyBytes: env.MAX_BODY_BYTES,
          maxJsonDepth: env.MAX_JSON_DEPTH,
        });
        if (guarded.reason) deps.metrics.guardRejections.inc({ reason: guarded.reason });
        const response = await fetchRequestHandler({
          endpoint: "/trpc",
          req: guarded.request,
          router: appRouter,
          maxBatchSize: env.MAX_BATCH_SIZE,
          createContext: ({ info, resHeaders }): GatewayContext => {
            // Refusing here fails every call of a batch before its input is parsed.
            if (guarded.error) throw guarded.error;
            // Subscriptions over SSE (EventSource) cannot send headers: their token arrives as a connection param.
            const authorization = header ?? info.connectionParams?.authorization;
            return {
              deps,
              log,
              clientIp: ipOf,
              resHeaders,
              request: {
                requestId,
                traceparent,
                deadline: Date.now() + env.REQUEST_TIMEOUT_MS,
                ...(authorization ? { authorization } : {}),
              },
            };
          },
          onError: ({ error, path }) => {
            if (error.code === "INTERNAL_SERVER_ERROR")
              log.error("procedure failed", { path, error: error.cause ?? error });
          },
        });
        response.headers.set(Header.requestId, requestId);
        work.end({
          attributes: { "http.response.status_code": response.status, "portico.request_id": requestId },
        });
        return response;
      })
  );
}
