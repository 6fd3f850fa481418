import {
  gatewayCalls,
  type ProcedureContract,
  type ServiceContract,
  type ServiceName,
  type ServiceWiring,
  services,
  wiring,
} from "@portico/contracts";
import { durableName, replayConsumerName } from "../events/consume.ts";
import { deadLetterSubject, eventStreamName, eventSubject } from "../events/stream.ts";
import {
  channelSubject,
  inboxPrefix,
  procedureSubject,
  rateLimitBucket,
  sessionEndedSubject,
} from "../nats.ts";
import { endedSessionsBucket, keysChangedSubject } from "../revocations.ts";

/** A NATS user of a Portico system: the gateway, one per service, and a read-only one for operators. */
export type Identity = "gateway" | ServiceName | "ops";

/** What an identity may do, as nats-server permissions; anything not allowed is refused. */
export interface Permissions {
  publish: string[];
  subscribe: string[];
  /** May reply to the requests it receives (and only those), whatever their reply subject. */
  allowResponses: boolean;
}

const API = "$JS.API";
const serviceNames = Object.keys(services) as ServiceName[];

/** Every identity, in the order the config lists them. */
export const identities: readonly Identity[] = ["gateway", ...serviceNames, "ops"];

/**
 * Each identity's NATS permissions in `namespace`, derived from the contracts: which procedures
 * exist and who serves them, their access, subscriptions' channels, and each service's wiring
 * (calls, emitted and consumed events). A new procedure, event or consumer changes them by itself.
 */
export function natsPermissions(namespace: string): Record<Identity, Permissions> {
  const result = {
    gateway: gatewayPermissions(namespace),
    ops: opsPermissions(namespace),
  } as Record<Identity, Permissions>;
  assertSinglePublisher();
  for (const name of serviceNames) {
    result[name] = servicePermissions(namespace, name, services[name], wiring[name]);
  }
  return result;
}

const requestProcedures = (contract: ServiceContract): ProcedureContract[] =>
  Object.values(contract.procedures).filter((p) => p.kind !== "subscription");

const channels = (contract: ServiceContract): string[] =>
  Object.values(contract.procedures).flatMap((p) =>
    p.kind === "subscription" ? [p.channel ?? `${contract.name}.${p.name}`] : [],
  );

const inbox = (identity: Identity) => `${inboxPrefix(identity)}.>`;

/** What every token verifier needs: ended sessions (announced live, looked up by key) and withdrawn keys. */
const endedSessionsRead = (namespace: string) => {
  const bucket = endedSessionsBucket(namespace);
  return {
    publish: [`${API}.DIRECT.GET.KV_${bucket}.$KV.${bucket}.>`],
    subscribe: [sessionEndedSubject(namespace, "*"), keysChangedSubject(namespace)],
  };
};

/** The users service records ended sessions in their bucket (and creates it) and announces withdrawn keys. */
const endedSessionsWrite = (namespace: string) => {
  const bucket = endedSessionsBucket(namespace);
  return [
    `${API}.INFO`,
    `${API}.STREAM.INFO.KV_${bucket}`,
    `${API}.STREAM.CREATE.KV_${bucket}`,
    `$KV.${bucket}.>`,
    sessionEndedSubject(namespace, "*"),
    keysChangedSubject(namespace),
  ];
};

/** Sorted and without duplicates, so the generated config is stable. */
const tidy = (subjects: string[]) => [...new Set(subjects)].sort();

/**
 * The gateway requests every public and user procedure (the API it serves) and the internal ones
 * it calls, pings services for `system.health`, follows per-user live items and ended sessions,
 * and keeps rate limits in its key-value bucket.
 */
function gatewayPermissions(namespace: string): Permissions {
  const api = serviceNames.flatMap((name) =>
    requestProcedures(services[name]).filter((p) => p.access !== "internal"),
  );
  const bucket = rateLimitBucket(namespace);
  const kvStream = `KV_${bucket}`;
  return {
    publish: tidy([
      ...[...api, ...gatewayCalls].map((p) => procedureSubject(namespace, p)),
      ...serviceNames.map((name) => `$SRV.PING.${name}`),
      `${API}.INFO`,
      `${API}.STREAM.INFO.${kvStream}`,
      `${API}.STREAM.CREATE.${kvStream}`,
      `${API}.DIRECT.GET.${kvStream}.$KV.${bucket}.>`,
      `$KV.${bucket}.>`,
      ...endedSessionsRead(namespace).publish,
    ]),
    subscribe: tidy([
      inbox("gateway"),
      ...serviceNames
        .flatMap((name) => channels(services[name]))
        .map((c) => channelSubject(namespace, c, "*")),
      ...endedSessionsRead(namespace).subscribe,
    ]),
    allowResponses: false,
  };
}

/**
 * A service answers its own procedures and `$SRV` discovery of itself, requests what its wiring
 * says it calls, publishes its own events and live items, and keeps the durable consumers of the
 * events it consumes (create, read, acknowledge, dead-letter), nothing of another service's.
 */
function servicePermissions(
  namespace: string,
  name: ServiceName,
  contract: ServiceContract,
  wired: ServiceWiring,
): Permissions {
  const stream = eventStreamName(namespace);
  const usesStream = wired.emits.length > 0 || wired.consumes.length > 0 || wired.replaysEvents;
  const consumers = wired.consumes.flatMap((event) => {
    const durable = durableName(namespace, name, event.subject);
    return [
      `${API}.CONSUMER.CREATE.${stream}.${durable}.${eventSubject(namespace, event.subject)}`,
      `${API}.CONSUMER.INFO.${stream}.${durable}`,
      `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      `$JS.ACK.${stream}.${durable}.>`,
      deadLetterSubject(namespace, name, event.subject),
    ];
  });
  const replay = replayConsumerName(namespace, name);
  return {
    publish: tidy([
      ...wired.calls.map((p) => procedureSubject(namespace, p)),
      `$SRV.PING.${name}`,
      ...(usesStream
        ? [`${API}.INFO`, ...["INFO", "CREATE", "UPDATE"].map((verb) => `${API}.STREAM.${verb}.${stream}`)]
        : []),
      ...wired.emits.map((event) => eventSubject(namespace, event.subject)),
      ...channels(contract).map((c) => channelSubject(namespace, c, "*")),
      ...(wired.endsSessions ? endedSessionsWrite(namespace) : []),
      ...endedSessionsRead(namespace).publish,
      ...consumers,
      ...(wired.replaysEvents
        ? [
            `${API}.CONSUMER.CREATE.${stream}.${replay}.${eventSubject(namespace, ">")}`,
            ...["INFO", "MSG.NEXT", "DELETE"].map((verb) => `${API}.CONSUMER.${verb}.${stream}.${replay}`),
          ]
        : []),
    ]),
    subscribe: tidy([
      inbox(name),
      ...requestProcedures(contract).map((p) => procedureSubject(namespace, p)),
      "$SRV.*",
      `$SRV.*.${name}`,
      `$SRV.*.${name}.*`,
      ...endedSessionsRead(namespace).subscribe,
    ]),
    allowResponses: true,
  };
}

/** Operators (`events:status`, health probes): discovery and read-only views of the event stream. */
function opsPermissions(namespace: string): Permissions {
  const stream = eventStreamName(namespace);
  return {
    publish: tidy([
      "$SRV.>",
      `${API}.INFO`,
      `${API}.STREAM.INFO.${stream}`,
      `${API}.CONSUMER.LIST.${stream}`,
      `${API}.CONSUMER.NAMES.${stream}`,
      `${API}.CONSUMER.INFO.${stream}.*`,
    ]),
    subscribe: [inbox("ops")],
    allowResponses: false,
  };
}

/** Two services publishing one event would each be allowed to forge the other's facts. */
function assertSinglePublisher(): void {
  const seen = new Map<string, ServiceName>();
  for (const name of serviceNames) {
    for (const event of wiring[name].emits) {
      const other = seen.get(event.subject);
      if (other) throw new Error(`event ${event.subject} is emitted by both ${other} and ${name}`);
      seen.set(event.subject, name);
    }
  }
}
