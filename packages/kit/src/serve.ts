import {
  type ErrorCode,
  errorStatus,
  type ProcedureContract,
  type RequestProcedureNames,
  type ServiceContract,
} from "@portico/contracts";
import type { NatsConnection, Service, ServiceMsg } from "nats";
import type { z } from "zod";
import type { Identity, TokenVerifier } from "./auth.ts";
import { decodeJson, encodeJson, type Reply } from "./codec.ts";
import { contextFromHeaders, Header, type RequestContext } from "./context.ts";
import { fail, invalidInput, toErrorBody } from "./errors.ts";
import { settleEvents } from "./events/wake.ts";
import type { Logger } from "./log.ts";
import { procedureSubject } from "./nats.ts";
import type { Telemetry } from "./telemetry.ts";
import { traceIdOf } from "./trace.ts";

/** What a handler knows about the request it serves. */
export interface HandlerContext {
  /** The incoming request's context: pass it to `caller.call` so ids, trace and deadline travel on. */
  readonly request: RequestContext;
  /** Aborts when the caller's deadline passes: stop work nobody is waiting for. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Context of a procedure with `access: "user"`: the token was verified before the handler runs. */
export interface UserHandlerContext extends HandlerContext {
  readonly user: Identity;
}

type ContextFor<P extends ProcedureContract> = P["access"] extends "user"
  ? UserHandlerContext
  : HandlerContext;

/** The function that answers one procedure, typed from its contract. */
export type HandlerFor<P extends ProcedureContract> = (
  input: z.output<P["input"]>,
  ctx: ContextFor<P>,
) => Promise<z.input<P["output"]>>;

/** One handler per request procedure of the contract: a missing one or a wrong return shape fails to compile. */
export type Handlers<C extends ServiceContract> = {
  [K in RequestProcedureNames<C>]: HandlerFor<C["procedures"][K]>;
};

export interface ServeOptions<C extends ServiceContract> {
  nc: NatsConnection;
  namespace: string;
  contract: C;
  handlers: Handlers<C>;
  verifyToken: TokenVerifier;
  log: Logger;
  version: string;
  defaultTimeoutMs: number;
  /** Spans for each request; continues the trace only, when no exporter is configured. */
  telemetry?: Telemetry;
}

/**
 * Serves a contract with the NATS service framework: one endpoint per procedure, all in the
 * service's queue group so instances share the load and answer `$SRV` discovery. Each request is
 * checked (deadline, token, input) before its handler runs and its output checked after.
 */
export async function serveContract<C extends ServiceContract>(opts: ServeOptions<C>): Promise<Service> {
  const { contract, namespace } = opts;
  const service = await opts.nc.services.add({
    name: contract.name,
    version: opts.version,
    queue: contract.name,
    metadata: { namespace },
  });
  const handlers = opts.handlers as Record<string, HandlerFor<ProcedureContract>>;
  for (const [name, handler] of Object.entries(handlers)) {
    const proc: ProcedureContract | undefined = contract.procedures[name];
    if (!proc) throw new Error(`${contract.name}.${name} has a handler but no contract`);
    service.addEndpoint(name, {
      subject: procedureSubject(namespace, proc),
      handler: (error, msg) => {
        if (error) {
          opts.log.error("endpoint subscription failed", { procedure: name, error });
          return;
        }
        void answer(msg, proc, handler, opts);
      },
    });
  }
  return service;
}

async function answer<C extends ServiceContract>(
  msg: ServiceMsg,
  proc: ProcedureContract,
  handler: HandlerFor<ProcedureContract>,
  opts: ServeOptions<C>,
): Promise<void> {
  const receivedAt = Date.now();
  const work = opts.telemetry?.start(
    `${proc.service}.${proc.name}`,
    msg.headers?.get(Header.traceparent),
    "server",
  );
  const request: RequestContext = {
    ...contextFromHeaders(msg.headers, receivedAt, opts.defaultTimeoutMs),
    ...(work ? { traceparent: work.traceparent } : {}),
    // Outbox rows written by the handler record which Portico system they belong to.
    namespace: opts.namespace,
  };
  const reply = await runProcedure(proc, handler, () => decodeJson(msg.data), request, opts);
  respond(msg, reply);
  work?.end(reply.ok ? {} : { error: reply.error.code });
}

/**
 * The checks around every handler, whatever carried the request: deadline, token, input against
 * the contract, then the handler, then its output against the contract. Never throws: failures
 * become error replies, and unexpected ones are logged with the request id.
 */
export async function runProcedure(
  proc: ProcedureContract,
  handler: HandlerFor<ProcedureContract>,
  readInput: () => unknown,
  request: RequestContext,
  opts: { verifyToken: TokenVerifier; log: Logger },
): Promise<Reply> {
  const startedAt = Date.now();
  const log = opts.log.child({
    requestId: request.requestId,
    traceId: traceIdOf(request.traceparent),
    procedure: `${proc.service}.${proc.name}`,
  });
  try {
    const budget = request.deadline - startedAt;
    if (budget <= 0) throw fail.unavailable("The deadline passed before the request was handled");
    const base = { request, log, signal: AbortSignal.timeout(budget) };
    const ctx =
      proc.access === "user" ? { ...base, user: await opts.verifyToken(request.authorization) } : base;
    const parsed = proc.input.safeParse(readInput());
    if (!parsed.success) throw invalidInput(parsed.error);
    const result = await handler(parsed.data, ctx as UserHandlerContext).finally(() => settleEvents(request));
    const output = proc.output.safeParse(result);
    if (!output.success) {
      log.error("handler output breaks its contract", { issues: output.error.issues });
      throw new Error("handler output breaks its contract");
    }
    log.debug("answered", { ms: Date.now() - startedAt });
    return { ok: true, data: output.data };
  } catch (error) {
    const { body, internal } = toErrorBody(error);
    if (internal) log.error("request failed", { error });
    return { ok: false, error: body };
  }
}

function respond(msg: ServiceMsg, reply: Reply): void {
  if (reply.ok) {
    msg.respond(encodeJson(reply));
    return;
  }
  const code: ErrorCode = reply.error.code;
  msg.respondError(errorStatus[code], code, encodeJson(reply));
}
