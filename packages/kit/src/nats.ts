import { connect, type NatsConnection } from "nats";
import type { Logger } from "./log.ts";

/** Connects to NATS and keeps reconnecting for as long as the process lives, logging each change. */
export async function connectNats(opts: { url: string; name: string; log: Logger }): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(","),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
  coalesceWrites(nc, opts.log);
  opts.log.info("connected to NATS", { server: nc.getServer() });
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
