import { ErrorCode, type ProcedureContract } from "@portico/contracts";
import { type NatsConnection, NatsError, ErrorCode as NatsErrorCode } from "nats";
import type { z } from "zod";
import { decodeJson, encodeJson, type Reply } from "./codec.ts";
import { contextToHeaders, type RequestContext } from "./context.ts";
import { fail, ServiceError } from "./errors.ts";
import { procedureSubject } from "./nats.ts";

/** Calls procedures of other services over NATS request-reply, typed by their contracts. */
export interface Caller {
  /**
   * Sends `input` to the procedure's owner and resolves with its output. Fails with the owner's
   * ServiceError, or SERVICE_UNAVAILABLE when no instance is listening or the deadline passes.
   */
  call<P extends ProcedureContract>(
    proc: P,
    input: z.input<P["input"]>,
    ctx: RequestContext,
  ): Promise<z.output<P["output"]>>;
}

/** Creates a caller on a NATS connection; `namespace` picks which Portico system to talk to. */
export function createCaller(nc: NatsConnection, namespace: string): Caller {
  return {
    async call<P extends ProcedureContract>(
      proc: P,
      input: z.input<P["input"]>,
      ctx: RequestContext,
    ): Promise<z.output<P["output"]>> {
      const timeout = ctx.deadline - Date.now();
      if (timeout <= 0) throw fail.unavailable(`Deadline passed before calling the ${proc.service} service`);
      let payload: Uint8Array;
      try {
        const msg = await nc.request(procedureSubject(namespace, proc), encodeJson(input), {
          timeout,
          headers: contextToHeaders(ctx),
        });
        payload = msg.data;
      } catch (error) {
        throw transportError(proc.service, error);
      }
      // The owner validated this reply against the same contract before sending it.
      const reply = decodeJson(payload) as Reply<z.output<P["output"]>>;
      if (reply.ok) return reply.data;
      throw new ServiceError(reply.error.code, reply.error.message, reply.error.validation);
    },
  };
}

function transportError(service: string, error: unknown): ServiceError {
  if (error instanceof NatsError) {
    if (error.code === NatsErrorCode.NoResponders)
      return fail.unavailable(`The ${service} service is unavailable`);
    if (error.code === NatsErrorCode.Timeout)
      return fail.unavailable(`The ${service} service did not answer in time`);
  }
  return new ServiceError(ErrorCode.SERVICE_UNAVAILABLE, `The ${service} service could not be reached`);
}
