import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inboxPrefix } from "@portico/kit";
import { type Identity, identities, passwordVariable, renderNatsConfig } from "@portico/kit/nats-auth";
import { connect, type NatsConnection, NatsError } from "nats";
import { ThrowawayNats } from "../../packages/kit/test/support/natsServer.ts";
import { serviceDatabaseUrl } from "./env.ts";
import { runCommand } from "./process.ts";

const root = join(import.meta.dir, "..", "..");

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
