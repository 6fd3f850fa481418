import { createPorticoClient, type PorticoClient } from "@portico/client";
import { eventStreamName } from "@portico/kit";
import { EventSource } from "eventsource";
import { connect, type NatsConnection } from "nats";
import { AuthNats } from "./authNats.ts";
import { natsUrl, serviceDatabaseUrl, uniqueNamespace } from "./env.ts";
import { newTestKeySet, type TestKeySet } from "./keySet.ts";
import { type RunningProcess, startProcess } from "./process.ts";

export type AppName = "users" | "payments" | "notifications" | "search";

export interface StackOptions {
  services: AppName[];
  /**
   * Extra environment for every process. A `NATS_URL` here runs the stack on that server without
   * credentials (PORTICO_INSECURE_NATS=1); otherwise it gets a secured bus of its own.
   */
  env?: Record<string, string>;
  /** Extra environment of one process (e.g. its own NATS credentials), applied after `env`. */
  processEnv?: (name: AppName | "gateway") => Record<string, string>;
  /** The stack's NATS namespace; a fresh one by default. */
  namespace?: string;
}

/**
 * A whole Portico system for one test file: the gateway and the chosen services as separate
 * processes, in a NATS namespace of their own. By default it runs on a throwaway nats-server with
 * the configuration generated from the contracts, each process connecting as its own user, as
 * `bun run start` does. Dispose it (`await using`) to stop everything.
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
    /** The stack's own secured NATS; undefined when it runs on a server given by `env.NATS_URL`. */
    readonly bus: AuthNats | undefined,
    /** The key its users service signs its published key set with; every process pins its public half. */
    readonly keySet: TestKeySet,
  ) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const namespace = opts.namespace ?? uniqueNamespace();
    const bus = opts.env?.NATS_URL ? undefined : new AuthNats(namespace);
    await bus?.start();
    const stack = new Stack(
      opts.env ?? {},
      opts.processEnv ?? (() => ({})),
      namespace,
      bus,
      await newTestKeySet(),
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

  /** The NATS server the stack runs on. */
  get natsUrl(): string {
    return this.bus?.url ?? this.env.NATS_URL ?? natsUrl;
  }

  /** A plain NATS connection as one of the stack's identities (`ops` reads service stats). */
  connectAs(identity: AppName | "gateway" | "ops"): Promise<NatsConnection> {
    return this.bus ? this.bus.connectAs(identity) : connect({ servers: this.natsUrl });
  }

  /** Environment shared by every process of this stack. */
  baseEnv(): Record<string, string> {
    return {
      NATS_URL: this.natsUrl,
      PORTICO_INSECURE_NATS: this.bus ? "0" : "1",
      PORTICO_NAMESPACE: this.namespace,
      LOG_LEVEL: "info",
      // Cheap password hashing keeps the suite fast; production uses the stronger defaults.
      PASSWORD_MEMORY_KIB: "1024",
      PASSWORD_TIME_COST: "1",
      // Suites sign up many users from one IP; tests of the limits themselves set their own.
      RATE_LIMIT_AUTH: "100000/60s",
      RATE_LIMIT_PUBLIC: "100000/60s",
      RATE_LIMIT_USER: "100000/60s",
      ...this.keySet.env,
      ...this.env,
    };
  }

  /** The whole environment one of the stack's processes runs with (for commands run as it). */
  processEnvOf(name: AppName | "gateway"): Record<string, string> {
    return {
      ...this.baseEnv(),
      ...(name === "gateway" ? {} : { DATABASE_URL: serviceDatabaseUrl(name) }),
      ...this.envOf(name),
    };
  }

  /** A process's own identity on the stack's bus, then what the test adds. */
  private envOf(name: AppName | "gateway"): Record<string, string> {
    return {
      ...(this.bus ? this.bus.env(name) : {}),
      ...(name === "users" ? this.keySet.usersEnv : {}),
      ...this.processEnv(name),
    };
  }

  /** Starts one more instance of a service. */
  async startService(name: AppName, env: Record<string, string> = {}): Promise<RunningProcess> {
    const proc = await startProcess(name, `apps/${name}/src/main.ts`, {
      ...this.baseEnv(),
      DATABASE_URL: serviceDatabaseUrl(name),
      ...this.envOf(name),
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
      ...this.envOf("gateway"),
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
    if (this.bus) await this.bus[Symbol.asyncDispose]();
    // A server the test brought may be down or gone by now; what it kept is the test's to clean.
    else await deleteJetStreamState(this.namespace, this.natsUrl).catch(() => undefined);
  }
}

/** A unique email for a test user. */
export const uniqueEmail = (label = "user") => `${label}.${crypto.randomUUID().slice(0, 8)}@example.test`;

/**
 * Removes what a finished stack left in JetStream: its event stream (events and dead letters) and
 * its gateways' rate-limit bucket, so test runs do not pile up streams on the shared server.
 */
export async function deleteJetStreamState(namespace: string, servers = natsUrl): Promise<void> {
  const nc = await connect({ servers }).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(eventStreamName(namespace)).catch(() => undefined);
    await jsm.streams.delete(`KV_ratelimit_${namespace}`).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
