import { initTRPC } from "@trpc/server";
import type { GatewayContext } from "./context.ts";
import { publicMessage, toTRPCError, validationOf } from "./errors.ts";

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
      },
    };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;

/** Procedures for signed-in users: the bearer token is verified here, before any service is called. */
export const userProcedure = t.procedure.use(async ({ ctx, next }) => {
  try {
    const identity = await ctx.deps.verifyToken(ctx.request.authorization);
    return next({ ctx: { identity } });
  } catch (error) {
    throw toTRPCError(error);
  }
});

/** The tRPC root types, for the procedure types derived from contracts. */
export type RootTypes = typeof t._config.$types;
