import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeJson, inboxPrefix } from "@portico/kit";
import { type Identity, identities, passwordVariable, renderNatsConfig } from "@portico/kit/nats-auth";
import { connect, type MsgHdrs, type NatsConnection, NatsError, ErrorCode as NatsErrorCode } from "nats";
import { ThrowawayNats } from "../../packages/kit/test/support/natsServer.ts";
import { serviceDatabaseUrl, uniqueNamespace } from "./env.ts";
import { runCommand } from "./process.ts";
import { type AppName, Stack, uniqueEmail } from "./stack.ts";

const root = join(import.meta.dir, "..", "..");

/**
 * An auth-enabled throwaway NATS (configuration generated for a fresh namespace) and a stack of the
 * gateway and some services on it, each process connecting as its own user.
 */
export class SecuredStack implements AsyncDisposable {
  private constructor(
    readonly nats: AuthNats,
    readonly stack: Stack,
  ) {}

  static async start(services: AppName[]): Promise<SecuredStack> {
    const nats = new AuthNats(uniqueNamespace());
    await nats.start();
    try {
      const stack = await Stack.start({
        namespace: nats.namespace,
        services,
        env: { NATS_URL: nats.url },
        processEnv: (name) => nats.env(name),
      });
      return new SecuredStack(nats, stack);
    } catch (error) {
      await nats[Symbol.asyncDispose]();
      throw error;
    }
  }

  /** A new user, signed up through the gateway, and a client calling as them. */
  async signUp(name: string) {
    const session = await this.stack
      .client()
      .users.signUp.mutate({ email: uniqueEmail("nats"), password: "correct horse", name });
    return { session, api: this.stack.client(() => session.accessToken) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stack[Symbol.asyncDispose]();
    await this.nats[Symbol.asyncDispose]();
  }
}

/**
 * A throwaway nats-server running Portico's generated configuration (users and permissions) for
 * one namespace, with a fresh random password per identity; its JetStream store lives in a temp
 * directory removed on dispose, with the configuration file.
 */
export class AuthNats implements AsyncDisposable {
  readonly passwords: Record<Identity, string>;
  readonly server: ThrowawayNats;
  private readonly dir: string;

  /** `config`: a configuration file to run instead of the one generated for `namespace`. */
  constructor(
    readonly namespace: string,
    config?: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "portico-nats-auth-"));
    const path = config ?? join(this.dir, "nats.conf");
    if (!config) writeFileSync(path, renderNatsConfig(namespace));
    this.passwords = Object.fromEntries(
      identities.map((identity) => [identity, `p${crypto.randomUUID().replaceAll("-", "")}`]),
    ) as Record<Identity, string>;
    const env = Object.fromEntries(identities.map((i) => [passwordVariable(i), this.passwords[i]]));
    this.server = new ThrowawayNats({ config: path, env });
  }

  get url(): string {
    return this.server.url;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  /** The environment a Portico process runs with as `identity`. */
  env(identity: Identity): Record<string, string> {
    return { NATS_USER: identity, NATS_PASSWORD: this.passwords[identity] };
  }

  /** A plain connection as `identity`, replies under its own inbox prefix, as its process connects. */
  connectAs(identity: Identity): Promise<NatsConnection> {
    return connect({
      servers: this.url,
      user: identity,
      pass: this.passwords[identity],
      inboxPrefix: inboxPrefix(identity),
      reconnect: false,
    });
  }

  /** Tries to connect with these credentials: "connected", or the NATS error code of the refusal. */
  async tryConnect(credentials: { user?: string; pass?: string }): Promise<string> {
    try {
      const nc = await connect({ servers: this.url, reconnect: false, ...credentials });
      await nc.close();
      return "connected";
    } catch (error) {
      if (error instanceof NatsError) return error.code;
      throw error;
    }
  }

  /** Runs a repository command (`bun <argv>`) as `identity` on this server; resolves with its exit code and output. */
  async runAs(identity: Identity, argv: string[]): Promise<{ code: number; output: string }> {
    const { code, stdout, stderr } = await runCommand(["bun", ...argv], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NATS_URL: this.url,
        PORTICO_NAMESPACE: this.namespace,
        ...(identity === "gateway" || identity === "ops"
          ? {}
          : { DATABASE_URL: serviceDatabaseUrl(identity) }),
        ...this.env(identity),
      },
    });
    return { code, output: stdout + stderr };
  }

  /** Server log lines reporting a refused publish or subscription. */
  violations(): string[] {
    return this.server.log.filter((line) => /violation/i.test(line));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.server[Symbol.asyncDispose]();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** How a request ended: "answered", or the NATS error code (PERMISSIONS_VIOLATION when refused). */
export async function requestOutcome(
  nc: NatsConnection,
  subject: string,
  data?: Uint8Array,
  h?: MsgHdrs,
  timeout = 2000,
) {
  try {
    await nc.request(subject, data, { timeout, ...(h ? { headers: h } : {}) });
    return "answered";
  } catch (error) {
    if (error instanceof NatsError) return error.code;
    throw error;
  }
}

/** Subscribes to each subject; resolves with those the server accepted (it refuses the rest before the flush's PONG). */
export async function accepted(nc: NatsConnection, subjects: string[]): Promise<string[]> {
  const refused = new Set<string>();
  const subs = subjects.map((subject) =>
    nc.subscribe(subject, {
      callback: (error) => {
        if (error?.code === NatsErrorCode.PermissionsViolation) refused.add(subject);
      },
    }),
  );
  await nc.flush();
  for (const sub of subs) sub.unsubscribe();
  return subjects.filter((subject) => !refused.has(subject));
}

/** Publishes to each subject as a request (as JetStream publishes do); resolves with those not refused. */
export async function publishable(nc: NatsConnection, subjects: string[]): Promise<string[]> {
  const open: string[] = [];
  for (const subject of subjects) {
    if ((await requestOutcome(nc, subject, encodeJson({}))) !== NatsErrorCode.PermissionsViolation) {
      open.push(subject);
    }
  }
  return open;
}
