import { initTRPC, TRPCError } from "@trpc/server";
import type { GatewayContext } from "./context.ts";
import { publicMessage, toTRPCError, validationOf } from "./errors.ts";
import type { Decision } from "./ratelimit/bucket.ts";
import { groupOf, rateLimitHeaders } from "./ratelimit/limiter.ts";
import { Refusal } from "./resilience/caller.ts";

const t = initTRPC.context<GatewayContext>().create({
  // Plain JSON on the wire (no transformer) so any HTTP client can call the gateway.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const validation = validationOf(error);
    return {
      code: shape.code,
      message: publicMessage(error, validation),
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path ?? null,
        requestId: ctx?.request.requestId ?? null,
        zodError: validation,
        // The wait this call was told (Retry-After), for clients that cannot read response headers (tRPC
        // clients): a rate-limit refusal, or a call the gateway refused for a struggling service.
        retryAfterSeconds:
          shape.data.code === "TOO_MANY_REQUESTS"
            ? Number(ctx?.resHeaders.get("Retry-After")) || null
            : error.cause instanceof Refusal
              ? error.cause.retryAfterSeconds
              : null,
      },
    };
  },
});

export const router = t.router;

/** Counts and times every procedure call, and writes one debug line per call with its ids. */
const observed = t.procedure.use(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next();
  const seconds = (performance.now() - started) / 1000;
  const code = result.ok ? "OK" : result.error.code;
  ctx.deps.metrics.requests.inc({ procedure: path, code });
  ctx.deps.metrics.requestDuration.observe({ procedure: path }, seconds);
  ctx.log.debug("call", { procedure: path, code, ms: Math.round(seconds * 10_000) / 10 });
  return result;
});

/** In a batch the response carries the tightest decision: a refusal, else the fewest remaining. */
function setLimitHeaders(headers: Headers, decision: Decision): void {
  if (headers.has("Retry-After") && decision.allowed) return;
  const remaining = Number(headers.get("RateLimit-Remaining") ?? Number.POSITIVE_INFINITY);
  if (decision.allowed && remaining <= decision.remaining) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) headers.set(name, value);
}

/** Takes a token from the caller's bucket (per IP, or per user once signed in) or refuses with TOO_MANY_REQUESTS. */
const limited = (access: "public" | "user") =>
  t.middleware(async ({ ctx, path, next }) => {
    const limiter = ctx.deps.limiter;
    if (!limiter) return next();
    const group = groupOf(path, access);
    const userId = ctx.identity?.userId;
    const decision = await limiter.check(group, group === "user" && userId ? userId : ctx.clientIp());
    setLimitHeaders(ctx.resHeaders, decision);
    if (!decision.allowed) {
      ctx.deps.metrics.rateLimitRejections.inc({ group });
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Rate limit exceeded; retry after ${rateLimitHeaders(decision)["Retry-After"]} s`,
      });
    }
    return next();
  });

/** Verifies the bearer token before any service is called. */
const authenticated = t.middleware(async ({ ctx, next }) => {
  if (!ctx.deps.env.GATEWAY_AUTH) return next();
  try {
    const identity = await ctx.deps.verifyToken(ctx.request.authorization);
    return next({ ctx: { identity } });
  } catch (error) {
    throw toTRPCError(error);
  }
});

/** Procedures anyone may call, rate-limited per client IP. */
export const publicProcedure = observed.use(limited("public"));

/** Procedures for signed-in users: token verified, then rate-limited per user. */
export const userProcedure = observed.use(authenticated).use(limited("user"));

/** The tRPC root types, for the procedure types derived from contracts. */
export type RootTypes = typeof t._config.$types;
