import { connect, type NatsConnection } from "nats";
import { ConfigError } from "./env.ts";
import type { Logger } from "./log.ts";

export interface NatsConnectOptions {
  url: string;
  /** Connection name, shown in the server's monitoring. */
  name: string;
  log: Logger;
  /** The process's own NATS identity (`NATS_USER` / `NATS_PASSWORD`). */
  user?: string | undefined;
  password?: string | undefined;
  /** Connect without an identity (`PORTICO_INSECURE_NATS=1`); otherwise one is required. */
  insecure?: boolean;
}

/** Refuses to connect without credentials unless insecure mode is asked for, which is logged loudly. */
function checkIdentity(opts: NatsConnectOptions): void {
  if (Boolean(opts.user) !== Boolean(opts.password)) {
    throw new ConfigError("Invalid configuration:\n  NATS_USER and NATS_PASSWORD: set both or neither");
  }
  if (opts.user) return;
  if (!opts.insecure) {
    throw new ConfigError(
      "Invalid configuration:\n  NATS_USER and NATS_PASSWORD: required; each process connects to NATS as its own " +
        "user (`bun run start` does it for you, docs/nats-security.md). PORTICO_INSECURE_NATS=1 connects " +
        "without, to a throwaway server only.",
    );
  }
  opts.log.warn(
    "INSECURE NATS: connecting without credentials (PORTICO_INSECURE_NATS=1). Anyone on this server can " +
      "read every request, call any procedure and publish any event. Never run this way in production.",
    { server: opts.url },
  );
}

/**
 * The inbox prefix of a NATS identity: replies to its requests arrive under `<prefix>.>`, and its
 * permissions let it subscribe there only, so no other identity can read its replies.
 */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/**
 * Connects to NATS as the process's own user and keeps reconnecting for as long as the process
 * lives, logging each change. Replies arrive under that identity's own inbox prefix.
 */
export async function connectNats(opts: NatsConnectOptions): Promise<NatsConnection> {
  checkIdentity(opts);
  const nc = await connect({
    servers: opts.url.split(","),
    name: opts.name,
    ...(opts.user && opts.password
      ? { user: opts.user, pass: opts.password, inboxPrefix: inboxPrefix(opts.user) }
      : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
    // Without it every request and JetStream publish captures a stack trace up front, in case it
    // times out: 7 % of the gateway's CPU under load. Errors keep their codes (TIMEOUT, 503).
    noAsyncTraces: true,
  });
  coalesceWrites(nc, opts.log);
  opts.log.info("connected to NATS", { server: nc.getServer(), ...(opts.user ? { user: opts.user } : {}) });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "pingTimer") continue;
      const level = status.type === "disconnect" || status.type === "error" ? "warn" : "info";
      opts.log[level]("NATS connection status", { status: status.type, data: String(status.data) });
    }
  })();
  return nc;
}

/** The request subject of a procedure: `<namespace>.<service>.<procedure>`. */
export function procedureSubject(namespace: string, proc: { service: string; name: string }): string {
  return `${namespace}.${proc.service}.${proc.name}`;
}

/** The subject a per-user live stream item is published on. */
export function channelSubject(namespace: string, channel: string, userId: string): string {
  return `${namespace}.${channel}.${userId}`;
}

/** The subject the users service announces an ended session on, so live streams of it close. */
export function sessionEndedSubject(namespace: string, sessionId: string): string {
  return `${namespace}.session.ended.${sessionId}`;
}

/** The JetStream key-value bucket the gateways of a namespace share their rate limits in. */
export function rateLimitBucket(namespace: string): string {
  return `ratelimit_${namespace}`;
}

interface ProtocolInternals {
  outbound: { length(): number; size(): number; fill(buf: Uint8Array, ...payloads: Uint8Array[]): void };
  pendingLimit: number;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const textEncoder = new TextEncoder();

/**
 * Makes the NATS client write once per event-loop turn instead of once per microtask. Replies and
 * requests of concurrent HTTP requests and handlers then share one socket write: per-message
 * writes, not the work itself, dominate a service's CPU profile under load. Relies on the
 * client's protocol internals (nats 2.x); if they are not as expected it changes nothing.
 */
function coalesceWrites(nc: NatsConnection, log: Logger): void {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  const { outbound, flushPending } = protocol ?? {};
  if (
    !protocol ||
    !outbound ||
    typeof flushPending !== "function" ||
    typeof protocol.sendCommand !== "function"
  ) {
    log.warn("NATS client internals changed; writes are not coalesced");
    return;
  }
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    flushPending.call(protocol);
  };
  protocol.sendCommand = (cmd, ...payloads) => {
    outbound.fill(typeof cmd === "string" ? textEncoder.encode(cmd) : cmd, ...payloads);
    if (outbound.size() >= (protocol.pendingLimit ?? 32 * 1024)) {
      flushPending.call(protocol);
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
