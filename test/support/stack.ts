import { createPorticoClient, type PorticoClient } from "@portico/client";
import { eventStreamName } from "@portico/kit";
import { EventSource } from "eventsource";
import { connect } from "nats";
import { natsUrl, serviceDatabaseUrl, uniqueNamespace } from "./env.ts";
import { type RunningProcess, startProcess } from "./process.ts";

export type AppName = "users" | "payments" | "notifications" | "search";

export interface StackOptions {
  services: AppName[];
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Extra environment of one process (e.g. its own NATS credentials), applied after `env`. */
  processEnv?: (name: AppName | "gateway") => Record<string, string>;
  /** The stack's NATS namespace; a fresh one by default. */
  namespace?: string;
}

/**
 * A whole Portico system for one test file: the gateway and the chosen services as separate
 * processes, in a NATS namespace of their own. Dispose it (`await using`) to stop everything.
 */
export class Stack implements AsyncDisposable {
  readonly instances = new Map<AppName, RunningProcess[]>();
  /** The gateway started last; `url` is its address. */
  gateway?: RunningProcess;
  url = "";
  /** Every gateway instance started (several share one namespace, e.g. to test shared rate limits). */
  readonly gateways: Array<{ process: RunningProcess; url: string }> = [];

  private constructor(
    private readonly env: Record<string, string>,
    private readonly processEnv: (name: AppName | "gateway") => Record<string, string>,
    readonly namespace: string,
  ) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const stack = new Stack(
      opts.env ?? {},
      opts.processEnv ?? (() => ({})),
      opts.namespace ?? uniqueNamespace(),
    );
    try {
      await Promise.all(opts.services.map((name) => stack.startService(name)));
      await stack.startGateway();
    } catch (error) {
      await stack[Symbol.asyncDispose]();
      throw error;
    }
    return stack;
  }

  /** Environment shared by every process of this stack. */
  baseEnv(): Record<string, string> {
    return {
      NATS_URL: natsUrl,
      PORTICO_NAMESPACE: this.namespace,
      LOG_LEVEL: "info",
      // Cheap password hashing keeps the suite fast; production uses the stronger defaults.
      PASSWORD_MEMORY_KIB: "1024",
      PASSWORD_TIME_COST: "1",
      // Suites sign up many users from one IP; tests of the limits themselves set their own.
      RATE_LIMIT_AUTH: "100000/60s",
      RATE_LIMIT_PUBLIC: "100000/60s",
      RATE_LIMIT_USER: "100000/60s",
      ...this.env,
    };
  }

  /** Starts one more instance of a service. */
  async startService(name: AppName, env: Record<string, string> = {}): Promise<RunningProcess> {
    const proc = await startProcess(name, `apps/${name}/src/main.ts`, {
      ...this.baseEnv(),
      DATABASE_URL: serviceDatabaseUrl(name),
      ...this.processEnv(name),
      ...env,
    });
    this.instances.set(name, [...(this.instances.get(name) ?? []), proc]);
    return proc;
  }

  /** Stops every instance of a service gracefully. */
  async stopService(name: AppName): Promise<void> {
    await Promise.all((this.instances.get(name) ?? []).map((p) => p.stop()));
    this.instances.set(name, []);
  }

  async startGateway(env: Record<string, string> = {}): Promise<RunningProcess> {
    const gateway = await startProcess("gateway", "apps/gateway/src/main.ts", {
      ...this.baseEnv(),
      PORT: "0",
      HOST: "127.0.0.1",
      ...this.processEnv("gateway"),
      ...env,
    });
    const port = gateway.entry("ready")?.port;
    if (typeof port !== "number") throw new Error("gateway did not report its port");
    this.gateway = gateway;
    this.url = `http://127.0.0.1:${port}`;
    this.gateways.push({ process: gateway, url: this.url });
    return gateway;
  }

  /** A typed client as a frontend would use it; `token` is read on every call. */
  client(token?: () => string | undefined, url = this.url): PorticoClient {
    // Bun has no EventSource; subscriptions (tRPC SSE) use the `eventsource` ponyfill, as a Node app would.
    return createPorticoClient({ url, EventSource, ...(token ? { getAccessToken: token } : {}) });
  }

  /** All log lines of every process, for assertions across hops. */
  logLines(): string[] {
    const gateways = this.gateways.flatMap((g) => g.process.lines);
    return [...gateways, ...[...this.instances.values()].flat().flatMap((p) => p.lines)];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const all = [...[...this.instances.values()].flat(), ...this.gateways.map((g) => g.process)];
    await Promise.all(all.map((p) => p.stop()));
    await deleteJetStreamState(this.namespace);
  }
}

/** A unique email for a test user. */
export const uniqueEmail = (label = "user") => `${label}.${crypto.randomUUID().slice(0, 8)}@example.test`;

/**
 * Removes what a finished stack left in JetStream: its event stream (events and dead letters) and
 * its gateways' rate-limit bucket, so test runs do not pile up streams on the shared server.
 */
export async function deleteJetStreamState(namespace: string): Promise<void> {
  const nc = await connect({ servers: natsUrl }).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(eventStreamName(namespace)).catch(() => undefined);
    await jsm.streams.delete(`KV_ratelimit_${namespace}`).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
