import { continueTrace, Header, traceIdOf } from "@portico/kit";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Elysia } from "elysia";
import { type GatewayContext, type GatewayDeps, requestIdFrom } from "./context.ts";
import { appRouter } from "./router/index.ts";

/** Whether the gateway can serve: NATS connected and not shutting down. */
export interface Readiness {
  ready(): boolean;
}

/** Builds the gateway's HTTP app: health probes and the tRPC API at `/trpc`. */
export function createGatewayApp(deps: GatewayDeps, readiness: Readiness) {
  return new Elysia()
    .get("/healthz", () => "ok")
    .get("/readyz", ({ set }) => {
      if (readiness.ready()) return "ready";
      set.status = 503;
      return "not ready";
    })
    .all("/trpc/*", async ({ request }) => {
      const requestId = requestIdFrom(request.headers.get(Header.requestId));
      const traceparent = continueTrace(request.headers.get(Header.traceparent));
      const log = deps.log.child({ requestId, traceId: traceIdOf(traceparent) });
      const header = request.headers.get(Header.authorization) ?? undefined;
      const response = await fetchRequestHandler({
        endpoint: "/trpc",
        req: request,
        router: appRouter,
        createContext: ({ info }): GatewayContext => {
          // Subscriptions over SSE (EventSource) cannot send headers: their token arrives as a connection param.
          const authorization = header ?? info.connectionParams?.authorization;
          return {
            deps,
            log,
            request: {
              requestId,
              traceparent,
              deadline: Date.now() + deps.env.REQUEST_TIMEOUT_MS,
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
      return response;
    });
}
