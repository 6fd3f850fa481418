import { type MsgHdrs, headers as natsHeaders } from "nats";
import { continueTrace } from "./trace.ts";

/** What travels with every request across hops: identity of the request, its trace, its caller and its deadline. */
export interface RequestContext {
  readonly requestId: string;
  readonly traceparent: string;
  /** Epoch milliseconds after which nobody waits for the answer. */
  readonly deadline: number;
  /** The caller's `Authorization` header, forwarded so each service verifies it again. */
  readonly authorization?: string;
  /**
   * The Portico system (PORTICO_NAMESPACE) the work happens in; set by the runtime on incoming
   * requests and events, and recorded with outbox rows so each system relays only its own events.
   */
  readonly namespace?: string;
}

/** NATS header names. The deadline travels as a remaining budget, so hosts need not share a clock. */
export const Header = {
  requestId: "x-request-id",
  traceparent: "traceparent",
  timeout: "portico-timeout-ms",
  authorization: "authorization",
} as const;

/** A fresh context for work that starts here (a timer, a consumer, a test). */
export function newRequestContext(timeoutMs: number, init: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: init.requestId ?? crypto.randomUUID(),
    traceparent: init.traceparent ?? continueTrace(),
    deadline: init.deadline ?? Date.now() + timeoutMs,
    ...(init.authorization ? { authorization: init.authorization } : {}),
  };
}

/** Encodes a context as NATS headers for an outgoing request. */
export function contextToHeaders(ctx: RequestContext, now = Date.now()): MsgHdrs {
  const h = natsHeaders();
  h.set(Header.requestId, ctx.requestId);
  h.set(Header.traceparent, ctx.traceparent);
  h.set(Header.timeout, String(Math.max(0, ctx.deadline - now)));
  if (ctx.authorization) h.set(Header.authorization, ctx.authorization);
  return h;
}

/** Reads the context of an incoming request; a missing deadline gets `defaultTimeoutMs`. */
export function contextFromHeaders(
  h: MsgHdrs | undefined,
  receivedAt: number,
  defaultTimeoutMs: number,
): RequestContext {
  const budget = Number.parseInt(h?.get(Header.timeout) ?? "", 10);
  const authorization = h?.get(Header.authorization);
  return {
    requestId: h?.get(Header.requestId) || crypto.randomUUID(),
    traceparent: continueTrace(h?.get(Header.traceparent)),
    deadline: receivedAt + (Number.isFinite(budget) ? budget : defaultTimeoutMs),
    ...(authorization ? { authorization } : {}),
  };
}
