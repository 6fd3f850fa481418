import type { Caller, Identity, Logger, RequestContext, TokenVerifier } from "@portico/kit";
import type { NatsConnection } from "nats";
import type { GatewayEnv } from "./env.ts";

/** Long-lived things every request may use. */
export interface GatewayDeps {
  nc: NatsConnection;
  caller: Caller;
  verifyToken: TokenVerifier;
  log: Logger;
  env: GatewayEnv;
}

/** The tRPC context of one request. `identity` is set by the auth middleware on user procedures. */
export interface GatewayContext {
  deps: GatewayDeps;
  request: RequestContext;
  log: Logger;
  identity?: Identity;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is a sane token, else a new one. */
export function requestIdFrom(header: string | null): string {
  return header && requestIdPattern.test(header) ? header : crypto.randomUUID();
}
