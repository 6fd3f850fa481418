import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type ProcedureContract,
  paymentEvents,
  payments,
  services,
  userEvents,
  wiring,
} from "@portico/contracts";
import {
  channelSubject,
  contextToHeaders,
  durableName,
  encodeJson,
  eventStreamName,
  eventSubject,
  inboxPrefix,
  newRequestContext,
  procedureSubject,
  rateLimitBucket,
  sessionEndedSubject,
} from "@portico/kit";
import { type Identity, identities } from "@portico/kit/nats-auth";
import { type NatsConnection, ErrorCode as NatsErrorCode } from "nats";
import { type AuthNats, accepted, publishable, requestOutcome, SecuredStack } from "./support/natsAuth.ts";
import type { AppName } from "./support/stack.ts";

// NATS least privilege, end to end: on a throwaway nats-server with the generated configuration,
// each identity tries what its permissions must refuse (test/natsPermissions.test.ts: the system
// works within them). Users and payments run, so a refused call can be compared with an answered one.

const apps = Object.keys(services) as AppName[];
const everyone = identities;
let secured: SecuredStack;
let nats: AuthNats;

beforeAll(async () => {
  secured = await SecuredStack.start(["users", "payments"]);
  nats = secured.nats;
}, 60_000);
afterAll(() => secured?.[Symbol.asyncDispose]());
const signUp = (name: string) => secured.signUp(name);

const requestProcedures = Object.values(services).flatMap((service) =>
  Object.values(service.procedures as Record<string, ProcedureContract>).filter(
    (p) => p.kind !== "subscription",
  ),
);

describe("what each identity is refused", () => {
  const conns = new Map<Identity, NatsConnection>();
  const as = (identity: Identity) => {
    const nc = conns.get(identity);
    if (!nc) throw new Error(`no connection as ${identity}`);
    return nc;
  };
  beforeAll(async () => {
    for (const identity of everyone) conns.set(identity, await nats.connectAs(identity));
  });
  afterAll(async () => {
    for (const nc of conns.values()) await nc.close();
  });

  /** Requests payments has answered to `charge`, from `$SRV` stats read as the operators' identity. */
  async function chargeRequests(): Promise<number> {
    let total = 0;
    for await (const s of await as("ops").services.client().stats("payments")) {
      if (s.metadata?.namespace !== nats.namespace) continue;
      total += s.endpoints?.find((e) => e.name === "charge")?.num_requests ?? 0;
    }
    return total;
  }

  test("a compromised notifications process cannot call payments.charge, even with a user's token", async () => {
    const { session, api } = await signUp("Victim");
    const subject = procedureSubject(nats.namespace, payments.procedures.charge);
    const charge = () =>
      encodeJson({ amount: 999, currency: "USD", source: "tok_visa", idempotencyKey: crypto.randomUUID() });
    const withToken = () =>
      contextToHeaders(newRequestContext(5000, { authorization: `Bearer ${session.accessToken}` }));
    const requestsBefore = await chargeRequests();

    expect(await requestOutcome(as("notifications"), subject, charge(), withToken())).toBe(
      NatsErrorCode.PermissionsViolation,
    );
    expect(await chargeRequests()).toBe(requestsBefore);
    expect((await api.payments.list.query()).items).toEqual([]);

    // The same request from the gateway's identity is answered: the refusal above is the permission, not the request.
    expect(await requestOutcome(as("gateway"), subject, charge(), withToken())).toBe("answered");
    expect(await chargeRequests()).toBe(requestsBefore + 1);
    expect((await api.payments.list.query()).items).toHaveLength(1);
    expect(nats.violations().some((l) => l.includes(subject) && l.includes('"notifications"'))).toBe(true);
  }, 20_000);

  test("a service may request only the procedures its wiring says it calls", async () => {
    for (const app of apps) {
      const subjects = requestProcedures.map((p) => procedureSubject(nats.namespace, p));
      const declared = wiring[app].calls.map((p) => procedureSubject(nats.namespace, p));
      expect(`${app} may request ${await publishable(as(app), subjects)}`).toBe(
        `${app} may request ${declared}`,
      );
    }
    // Operators may discover services but call none of them.
    const subjects = requestProcedures.map((p) => procedureSubject(nats.namespace, p));
    expect(await publishable(as("ops"), subjects)).toEqual([]);
  }, 20_000);

  test("only an event's owner may publish it; only notifications pushes live items, only users ends sessions", async () => {
    const ns = nats.namespace;
    const stream = eventStreamName(ns);
    const messages = async () =>
      (await (await as("ops").jetstreamManager()).streams.info(stream)).state.messages;
    const before = await messages();
    const events = [...Object.values(userEvents), ...Object.values(paymentEvents)];
    const owned = (identity: Identity): string[] =>
      identity in wiring ? wiring[identity as AppName].emits.map((e) => eventSubject(ns, e.subject)) : [];
    const live = channelSubject(ns, "notifications.live", crypto.randomUUID());
    const ended = sessionEndedSubject(ns, crypto.randomUUID());
    for (const identity of everyone) {
      const others = events
        .map((e) => eventSubject(ns, e.subject))
        .filter((s) => !owned(identity).includes(s));
      const open = await publishable(as(identity), [...others, live, ended]);
      const expected = identity === "notifications" ? [live] : identity === "users" ? [ended] : [];
      expect(`${identity}: ${open}`).toBe(`${identity}: ${expected}`);
    }
    expect(await messages()).toBe(before);
  }, 20_000);

  test("nobody reads another identity's replies, serves another's procedures or answers its discovery", async () => {
    for (const identity of everyone) {
      const inboxes = everyone.filter((i) => i !== identity).map((i) => `${inboxPrefix(i)}.>`);
      const foreign = requestProcedures
        .filter((p) => p.service !== identity)
        .map((p) => procedureSubject(nats.namespace, p));
      const discovery = apps.filter((a) => a !== identity).map((a) => `$SRV.PING.${a}`);
      const all = [">", "_INBOX.>", ...inboxes, ...foreign, ...discovery];
      expect(`${identity}: ${await accepted(as(identity), all)}`).toBe(`${identity}: `);
      // Its own inbox it may read.
      expect(await accepted(as(identity), [`${inboxPrefix(identity)}.>`])).toHaveLength(1);
    }
  }, 20_000);

  test("JetStream: no one deletes or purges the event stream, pulls another's consumer or touches the rate-limit bucket", async () => {
    const ns = nats.namespace;
    const stream = eventStreamName(ns);
    const notificationsDurable = durableName(ns, "notifications", "user.created");
    const searchDurable = durableName(ns, "search", "user.created");
    const destructive = [
      `$JS.API.STREAM.DELETE.${stream}`,
      `$JS.API.STREAM.PURGE.${stream}`,
      `$JS.API.STREAM.MSG.DELETE.${stream}`,
      `$JS.API.CONSUMER.DELETE.${stream}.${notificationsDurable}`,
      `$JS.API.CONSUMER.DELETE.${stream}.${searchDurable}`,
    ];
    for (const identity of everyone) {
      expect(`${identity}: ${await publishable(as(identity), destructive)}`).toBe(`${identity}: `);
    }
    // Search may read its own consumer, not notifications'; and the other way round.
    const next = (durable: string) => `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`;
    expect(await publishable(as("search"), [next(notificationsDurable)])).toEqual([]);
    expect(await publishable(as("notifications"), [next(searchDurable)])).toEqual([]);
    // The gateway's rate limits are its own: no service can reset a client's bucket.
    const bucket = rateLimitBucket(ns);
    for (const app of [...apps, "ops" as const]) {
      const kv = [`$KV.${bucket}.ip.127_0_0_1`, `$JS.API.STREAM.PURGE.KV_${bucket}`];
      expect(`${app}: ${await publishable(as(app), kv)}`).toBe(`${app}: `);
    }
  }, 20_000);

  test("an unknown user, a wrong password or no credentials cannot connect", async () => {
    const refused = NatsErrorCode.AuthorizationViolation;
    expect(await nats.tryConnect({ user: "mallory", pass: nats.passwords.gateway })).toBe(refused);
    expect(await nats.tryConnect({ user: "gateway", pass: nats.passwords.notifications })).toBe(refused);
    expect(await nats.tryConnect({})).toBe(refused);
    expect(await nats.tryConnect({ user: "gateway", pass: nats.passwords.gateway })).toBe("connected");
  });
});
