import { defineService, notifications, payments, users } from "@portico/contracts";
import {
  createCaller,
  createJwksVerifier,
  createLogger,
  fail,
  newRequestContext,
  pinnedKeySets,
  serveContract,
} from "@portico/kit";
import type { NatsConnection, Service } from "nats";
import type { TestKeySet } from "./keySet.ts";
import type { Stack } from "./stack.ts";

/** How a stand-in answers: normally, or never (until the caller's deadline aborts the handler). */
export type StandInMode = "answer" | "hang";

const paymentsPart = defineService("payments", { list: payments.procedures.list });
const notificationsPart = defineService("notifications", {
  unreadCount: notifications.procedures.unreadCount,
});

/**
 * Real NATS services standing in for the payments and notifications procedures `me.overview`
 * uses, served in-process with kit's serveContract in a stack's namespace, each connected as the
 * service it stands in for (tokens verified with the users service's keys, as the real services
 * do). Each can be stopped, restarted or made to hang.
 */
export class StandIns implements AsyncDisposable {
  readonly mode = { payments: "answer" as StandInMode, notifications: "answer" as StandInMode };
  readonly unread = 3;
  private readonly running = new Map<"payments" | "notifications", Service>();

  private constructor(
    private readonly connections: Record<"payments" | "notifications", NatsConnection>,
    private readonly namespace: string,
    private readonly keySet: TestKeySet,
  ) {}

  static async start(stack: Stack): Promise<StandIns> {
    const connections = {
      payments: await stack.connectAs("payments"),
      notifications: await stack.connectAs("notifications"),
    };
    const standIns = new StandIns(connections, stack.namespace, stack.keySet);
    await standIns.serve("payments");
    await standIns.serve("notifications");
    return standIns;
  }

  /** Starts (again) the stand-in for one service. */
  async serve(name: "payments" | "notifications"): Promise<void> {
    const log = createLogger({ service: `${name}-stand-in` }, "error");
    const nc = this.connections[name];
    const caller = createCaller(nc, this.namespace);
    const common = {
      nc,
      namespace: this.namespace,
      log,
      version: "0.0.0-standin",
      defaultTimeoutMs: 5000,
      verifyToken: createJwksVerifier({
        issuer: "portico",
        audience: "portico-api",
        log,
        maxLifetimeSeconds: 900,
        fetchJwks: pinnedKeySets({
          pinned: this.keySet.publicJwk,
          issuer: "portico",
          fetchSigned: () => caller.call(users.procedures.jwks, undefined, newRequestContext(5000)),
        }),
      }),
    };
    const hang = (signal: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener("abort", () => reject(fail.unavailable("stand-in gave up at the deadline"))),
      );
    const service =
      name === "payments"
        ? await serveContract({
            ...common,
            contract: paymentsPart,
            handlers: {
              list: async (_input, ctx) =>
                this.mode.payments === "hang" ? hang(ctx.signal) : { items: [], nextCursor: null },
            },
          })
        : await serveContract({
            ...common,
            contract: notificationsPart,
            handlers: {
              unreadCount: async (_input, ctx) =>
                this.mode.notifications === "hang" ? hang(ctx.signal) : { count: this.unread },
            },
          });
    this.running.set(name, service);
  }

  /** Stops one stand-in, as if every instance of that service had died. */
  async kill(name: "payments" | "notifications"): Promise<void> {
    await this.running.get(name)?.stop();
    this.running.delete(name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const service of this.running.values()) await service.stop().catch(() => undefined);
    for (const nc of Object.values(this.connections)) await nc.drain();
  }
}
