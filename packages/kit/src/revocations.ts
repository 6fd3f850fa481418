import { type KV, type NatsConnection, NatsError } from "nats";
import { fail } from "./errors.ts";
import type { Logger } from "./log.ts";
import { sessionEndedSubject } from "./nats.ts";

/** The JetStream key-value bucket where ended sessions are kept for one access-token lifetime. */
export function endedSessionsBucket(namespace: string): string {
  return `sessions_${namespace}`;
}

/** Announced when a signing key is withdrawn (`users:revoke-key`): verifiers refetch keys at once. */
export function keysChangedSubject(namespace: string): string {
  return `${namespace}.keys.changed`;
}

/** What a token verifier asks about sessions (see `createJwksVerifier`'s `revocations`). */
export interface Revocations {
  /** Whether the session has ended; asked before a token of it is first trusted. */
  isEnded(sessionId: string): Promise<boolean>;
  /** Whether this process already knows the session ended (no round trip; for remembered tokens). */
  knownEnded(sessionId: string): boolean;
  /** Called for each session ended from now on, and with `undefined` after an outage (anything may have ended). */
  onEnded(listener: (sessionId: string | undefined) => void): void;
  /** Called when a signing key was withdrawn: the key set must be fetched again now. */
  onKeysChanged(listener: () => void): void;
}

const encoder = new TextEncoder();

/**
 * Follows ended sessions and withdrawn keys in `namespace`: the live announcements
 * (`<ns>.session.ended.<id>`, `<ns>.keys.changed`) and,
 * for a session not heard of, the bucket the users service records every ended session in. A
 * session id is a uuid, so it is a valid key as it is. Returns the revocations and a stop function.
 */
export function followEndedSessions(opts: {
  nc: NatsConnection;
  namespace: string;
  log: Logger;
  /** How long an ended session matters: the access-token lifetime. */
  ttlSeconds: number;
}): Revocations & { stop(): void } {
  const stream = `KV_${endedSessionsBucket(opts.namespace)}`;
  const subjectOf = (sessionId: string) => `$KV.${endedSessionsBucket(opts.namespace)}.${sessionId}`;
  const ended = new Map<string, number>();
  const listeners: Array<(sessionId: string | undefined) => void> = [];
  const keyListeners: Array<() => void> = [];
  const keysSub = opts.nc.subscribe(keysChangedSubject(opts.namespace), {
    callback: (error) => {
      if (!error) for (const listener of keyListeners) listener();
    },
  });
  const remember = (sessionId: string) => {
    const now = Date.now();
    for (const [id, until] of ended) if (until < now) ended.delete(id);
    ended.set(sessionId, now + opts.ttlSeconds * 1000);
  };
  const prefix = sessionEndedSubject(opts.namespace, "");
  const sub = opts.nc.subscribe(sessionEndedSubject(opts.namespace, "*"), {
    callback: (error, msg) => {
      if (error) return;
      const sessionId = msg.subject.slice(prefix.length);
      remember(sessionId);
      for (const listener of listeners) listener(sessionId);
    },
  });
  void (async () => {
    for await (const status of opts.nc.status()) {
      if (status.type !== "reconnect") continue;
      // Announcements sent while disconnected are lost: forget what was trusted without asking.
      for (const listener of listeners) listener(undefined);
    }
  })();
  return {
    knownEnded: (sessionId) => (ended.get(sessionId) ?? 0) > Date.now(),
    async isEnded(sessionId) {
      if ((ended.get(sessionId) ?? 0) > Date.now()) return true;
      try {
        // A direct get of the key's last value: a status header of 404 means no such key.
        const reply = await opts.nc.request(
          `$JS.API.DIRECT.GET.${stream}.${subjectOf(sessionId)}`,
          undefined,
          {
            timeout: 2000,
          },
        );
        if (reply.headers?.code === 404) return false;
        if (reply.headers?.hasError) throw new Error(`direct get answered ${reply.headers.code}`);
        remember(sessionId);
        return true;
      } catch (error) {
        // No responders: the bucket does not exist yet, so no session has ended.
        if (error instanceof NatsError && error.code === "503") return false;
        opts.log.warn("could not check whether a session ended", { error });
        throw fail.unavailable("Cannot verify the session right now; retry shortly");
      }
    },
    onEnded: (listener) => {
      listeners.push(listener);
    },
    onKeysChanged: (listener) => {
      keyListeners.push(listener);
    },
    stop: () => {
      sub.unsubscribe();
      keysSub.unsubscribe();
    },
  };
}

/**
 * Records ended sessions (users service): each goes into the bucket, kept one access-token
 * lifetime, then is announced so live streams close and verifiers forget its tokens at once.
 */
export function createSessionEnder(opts: { nc: NatsConnection; namespace: string; ttlSeconds: number }) {
  let kv: Promise<KV> | undefined;
  const open = () => {
    kv ??= opts.nc
      .jetstream()
      .views.kv(endedSessionsBucket(opts.namespace), { ttl: opts.ttlSeconds * 1000, history: 1 })
      .catch((error: unknown) => {
        kv = undefined;
        throw error;
      });
    return kv;
  };
  return {
    /** Creates the bucket, so verifiers can tell "no session ended" from "cannot tell". */
    open: async () => {
      await open();
    },
    async end(sessionIds: string[]): Promise<void> {
      const bucket = await open();
      const at = encoder.encode(new Date().toISOString());
      for (const sessionId of sessionIds) await bucket.put(sessionId, at);
      for (const sessionId of sessionIds) opts.nc.publish(sessionEndedSubject(opts.namespace, sessionId));
    },
  };
}
export type SessionEnder = ReturnType<typeof createSessionEnder>;
