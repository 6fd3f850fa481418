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
