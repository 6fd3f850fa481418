import { notifications, payments, search, users } from "@portico/contracts";
import { router } from "../trpc.ts";
import { meRouter } from "./me.ts";
import { proxyService } from "./proxy.ts";
import { systemRouter } from "./system.ts";

/** The whole public API: one namespace per service (derived from its contract) plus gateway-owned procedures. */
export const appRouter = router({
  users: router(proxyService(users)),
  payments: router(proxyService(payments)),
  notifications: router(proxyService(notifications)),
  search: router(proxyService(search)),
  system: systemRouter,
  me: meRouter,
});

export type AppRouter = typeof appRouter;
