import { notifications, Overview, payments, users } from "@portico/contracts";
import { newRequestContext } from "@portico/kit";
import { z } from "zod";
import type { GatewayContext } from "../context.ts";
import { toTRPCError } from "../errors.ts";
import { router, userProcedure } from "../trpc.ts";

/** A context for one part of a coordinated call: same request, its own (shorter) deadline. */
function partOf(ctx: GatewayContext) {
  const deadline = Math.min(ctx.request.deadline, Date.now() + ctx.deps.env.PART_TIMEOUT_MS);
  return newRequestContext(0, { ...ctx.request, deadline });
}

/** `me.overview`: the caller's account, recent payments and unread count, fetched in parallel. */
async function overview(ctx: GatewayContext): Promise<Overview> {
  const { caller } = ctx.deps;
  const [user, recent, unread] = await Promise.allSettled([
    caller.call(users.procedures.me, undefined, partOf(ctx)),
    caller.call(payments.procedures.list, { limit: 5 }, partOf(ctx)),
    caller.call(notifications.procedures.unreadCount, undefined, partOf(ctx)),
  ]);
  if (user.status === "rejected") throw toTRPCError(user.reason);
  const degraded: string[] = [];
  const part = <T>(name: string, result: PromiseSettledResult<T>): T | null => {
    if (result.status === "fulfilled") return result.value;
    ctx.log.warn("overview part unavailable", { service: name, error: result.reason });
    degraded.push(name);
    return null;
  };
  const recentPayments = part("payments", recent)?.items ?? null;
  const unreadNotifications = part("notifications", unread)?.count ?? null;
  return { user: user.value, recentPayments, unreadNotifications, degraded };
}

export const meRouter = router({
  overview: userProcedure
    .input(z.void())
    .output(Overview)
    .query(({ ctx }) => overview(ctx)),
});
