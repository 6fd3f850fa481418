import type { EventContract } from "./events.ts";
import { paymentEvents } from "./payments.ts";
import type { ProcedureContract } from "./procedure.ts";
import type { ServiceName } from "./services.ts";
import { userEvents, users } from "./users.ts";

/**
 * What a service does on NATS besides answering its own procedures and publishing its own
 * subscriptions' live items. Each process's NATS permissions are derived from this (`bun run
 * nats:setup`), and the service runtime refuses calls and consumers that are not declared here.
 */
export interface ServiceWiring {
  /** Procedures of other services it requests. */
  readonly calls: readonly ProcedureContract[];
  /** Events it publishes through its outbox; every event has exactly one publisher. */
  readonly emits: readonly EventContract[];
  /** Events it keeps a durable consumer of (named after the event's subject). */
  readonly consumes: readonly EventContract[];
  /** Announces ended sessions, so the gateway closes their live streams. */
  readonly endsSessions?: boolean;
  /** Replays the whole event stream with a consumer of its own (search's reindex). */
  readonly replaysEvents?: boolean;
}

/** Every service's wiring, by name. */
export const wiring = {
  users: { calls: [], emits: Object.values(userEvents), consumes: [], endsSessions: true },
  payments: { calls: [users.procedures.jwks], emits: Object.values(paymentEvents), consumes: [] },
  notifications: {
    calls: [users.procedures.jwks],
    emits: [],
    consumes: [userEvents.created, paymentEvents.succeeded, paymentEvents.failed, paymentEvents.refunded],
  },
  search: {
    calls: [users.procedures.jwks],
    emits: [],
    consumes: [userEvents.created, userEvents.updated, ...Object.values(paymentEvents)],
    replaysEvents: true,
  },
} as const satisfies Record<ServiceName, ServiceWiring>;

/**
 * Internal procedures the gateway calls (the keys it verifies access tokens with). Besides these
 * it requests every public and user procedure, which it serves as the API.
 */
export const gatewayCalls: readonly ProcedureContract[] = [users.procedures.jwks];
