import type { ProcedureContract, PublicProcedureNames, ServiceContract } from "@portico/contracts";
import { channelSubject, decodeJson, sessionEndedSubject } from "@portico/kit";
import type {
  AnyTRPCProcedure,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from "@trpc/server";
import type { z } from "zod";
import type { GatewayContext } from "../context.ts";
import { setRetryAfter, toTRPCError } from "../errors.ts";
import { Refusal } from "../resilience/caller.ts";
import { publicProcedure, type RootTypes, userProcedure } from "../trpc.ts";

type Def<P extends ProcedureContract> = {
  input: z.input<P["input"]>;
  output: z.output<P["output"]>;
  meta: RootTypes["meta"];
  errorShape: RootTypes["errorShape"];
};

/** The tRPC procedure type a contract procedure becomes at the gateway. */
export type GatewayProcedure<P extends ProcedureContract> = P["kind"] extends "query"
  ? TRPCQueryProcedure<Def<P>>
  : P["kind"] extends "mutation"
    ? TRPCMutationProcedure<Def<P>>
    : TRPCSubscriptionProcedure<Def<P>>;

/** A service's procedures as the gateway exposes them (internal ones are left out). */
export type ProxiedService<C extends ServiceContract> = {
  [K in PublicProcedureNames<C>]: GatewayProcedure<C["procedures"][K]>;
};

async function forward(ctx: GatewayContext, proc: ProcedureContract, input: unknown): Promise<unknown> {
  try {
    return await ctx.deps.caller.call(proc, input, ctx.request);
  } catch (error) {
    if (error instanceof Refusal) setRetryAfter(ctx.resHeaders, error.retryAfterSeconds);
    throw toTRPCError(error);
  }
}

/**
 * Streams the items the owning service publishes on the caller's own channel. Ends (and drops both
 * NATS subscriptions) when the client goes away or the users service announces that the caller's
 * session ended (sign-out), so a signed-out browser stops receiving.
 */
async function* follow(ctx: GatewayContext, proc: ProcedureContract, signal: AbortSignal | undefined) {
  const channel = proc.channel ?? proc.name;
  const identity = ctx.identity;
  if (!identity) return;
  const { nc, env } = ctx.deps;
  const sub = nc.subscribe(channelSubject(env.PORTICO_NAMESPACE, channel, identity.userId));
  const stop = () => sub.unsubscribe();
  const ended = nc.subscribe(sessionEndedSubject(env.PORTICO_NAMESPACE, identity.sessionId), {
    max: 1,
    callback: stop,
  });
  signal?.addEventListener("abort", stop, { once: true });
  try {
    if (signal?.aborted) return;
    for await (const msg of sub) {
      // Only items that keep the contract reach the client; anything else on the subject is dropped.
      const item = proc.output.safeParse(safeDecode(msg.data));
      if (item.success) yield item.data;
      else ctx.log.warn("dropped a live item that breaks its contract", { procedure: proc.name });
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    sub.unsubscribe();
    ended.unsubscribe();
  }
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return decodeJson(data);
  } catch {
    return undefined;
  }
}

/** One generic tRPC procedure that validates input with the contract and forwards it to the owning service. */
function proxy(proc: ProcedureContract): AnyTRPCProcedure {
  const base = (proc.access === "user" ? userProcedure : publicProcedure).input(proc.input);
  switch (proc.kind) {
    case "query":
      return base.query(({ ctx, input }) => forward(ctx, proc, input));
    case "mutation":
      return base.mutation(({ ctx, input }) => forward(ctx, proc, input));
    case "subscription":
      return base.subscription(({ ctx, signal }) => follow(ctx, proc, signal));
  }
}

/** Derives the gateway's procedures for a service from its contract. */
export function proxyService<C extends ServiceContract>(contract: C): ProxiedService<C> {
  const procedures: Record<string, AnyTRPCProcedure> = {};
  for (const [name, proc] of Object.entries<ProcedureContract>(contract.procedures)) {
    if (proc.access !== "internal") procedures[name] = proxy(proc);
  }
  // The loop above builds exactly the keys and procedure kinds ProxiedService<C> describes.
  return procedures as ProxiedService<C>;
}
