import type { ProcedureContract, ServiceContract } from "@portico/contracts";
import type { z } from "zod";
import type { TokenVerifier } from "./auth.ts";
import type { Caller } from "./call.ts";
import { ServiceError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { type HandlerFor, type Handlers, runProcedure } from "./serve.ts";

/** A service whose handlers run in the caller's own process. */
export interface LocalService<C extends ServiceContract = ServiceContract> {
  contract: C;
  handlers: Handlers<C>;
  verifyToken: TokenVerifier;
}

/**
 * A Caller that runs handlers in-process with the same checks as over NATS (deadline, token, input
 * and output against the contract) but no network hop: the monolith baseline the benchmarks compare
 * the service path with, and a way to compose services in one process.
 */
export function createLocalCaller(services: LocalService[], log: Logger): Caller {
  const byService = new Map(services.map((s) => [s.contract.name, s]));
  return {
    async call<P extends ProcedureContract>(
      proc: P,
      input: z.input<P["input"]>,
      ctx: Parameters<Caller["call"]>[2],
    ) {
      const local = byService.get(proc.service);
      const handler = (local?.handlers as Record<string, HandlerFor<ProcedureContract>> | undefined)?.[
        proc.name
      ];
      if (!local || !handler)
        throw new ServiceError("SERVICE_UNAVAILABLE", `The ${proc.service} service is unavailable`);
      const reply = await runProcedure(proc, handler, () => input, ctx, {
        verifyToken: local.verifyToken,
        log,
      });
      if (reply.ok) return reply.data as z.output<P["output"]>;
      throw new ServiceError(reply.error.code, reply.error.message, reply.error.validation);
    },
  };
}
