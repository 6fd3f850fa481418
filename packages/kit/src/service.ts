import type { ServiceContract } from "@portico/contracts";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { NatsConnection } from "nats";
import type { TokenVerifier } from "./auth.ts";
import { type Caller, createCaller } from "./call.ts";
import { type OutboxTable, setOutboxNamespace } from "./db/outbox.ts";
import type { ProcessedEventsTable } from "./db/processed.ts";
import type { CommonEnv } from "./env.ts";
import type { EventConsumer } from "./events/consume.ts";
import { type RunningConsumers, startConsumers } from "./events/consumers.ts";
import { type Relay, startRelay } from "./events/relay.ts";
import { ensureEventStream } from "./events/stream.ts";
import { createLogger, type Logger } from "./log.ts";
import { connectNats } from "./nats.ts";
import { followEndedSessions, type Revocations } from "./revocations.ts";
import { type Handlers, serveContract } from "./serve.ts";
import { createTelemetry } from "./telemetry.ts";
import { createTokenVerifier } from "./tokenVerifier.ts";
import { checkConsumers, declaredCaller, wiringOf } from "./wiring.ts";

/** What a service's set-up code gets to build its handlers with. */
export interface ServiceRuntime {
  nc: NatsConnection;
  log: Logger;
  caller: Caller;
  namespace: string;
  /** Ended sessions, for a verifier of the service's own (tokens of ended sessions are refused). */
  revocations: Revocations;
  /** Registers clean-up that runs after NATS has drained (close pools, stop timers). */
  onStop(fn: () => Promise<void> | void): void;
}

export interface StartServiceOptions<C extends ServiceContract> {
  contract: C;
  version: string;
  env: CommonEnv;
  /** Builds the handlers (and opens whatever they need, e.g. the database pool). */
  setup(runtime: ServiceRuntime): Promise<ServiceSetup<C>> | ServiceSetup<C>;
}

type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

export interface ServiceSetup<C extends ServiceContract> {
  handlers: Handlers<C>;
  /**
   * The service's outbox (see `@portico/kit/db`): events its handlers enqueue there in their
   * transactions are relayed to JetStream by the runtime.
   */
  outbox?: { db: Db; table: OutboxTable };
  /** Events this service reacts to: `[consume(userEvents.created, handler), …]`. Needs `inbox`. */
  consumers?: EventConsumer[];
  /** Where consumers record the events they processed, in the same transaction as their effect. */
  inbox?: { db: Db; table: ProcessedEventsTable };
  /** Verifies access tokens; defaults to the users service's published keys. */
  verifyToken?: TokenVerifier;
}

export interface RunningService {
  readonly runtime: ServiceRuntime;
  /** The outbox relay, when the service has an outbox. */
  readonly relay?: Relay;
  /** Stops taking requests, finishes the ones in flight, drains NATS and runs the clean-up hooks. */
  stop(): Promise<void>;
}

/** Starts one instance of a service: connects, builds handlers, serves the contract. */
export async function startService<C extends ServiceContract>(
  opts: StartServiceOptions<C>,
): Promise<RunningService> {
  const { env, contract } = opts;
  const startedAt = Date.now();
  const log = createLogger(
    { service: contract.name, instance: crypto.randomUUID().slice(0, 8) },
    env.LOG_LEVEL,
  );
  const nc = await connectNats({
    url: env.NATS_URL,
    name: contract.name,
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });
  const cleanups: Array<() => Promise<void> | void> = [];
  // A service of the contracts may call and consume only what its wiring declares (its NATS permissions).
  const wired = wiringOf(contract.name);
  const caller = createCaller(nc, env.PORTICO_NAMESPACE);
  const revocations = followEndedSessions({
    nc,
    namespace: env.PORTICO_NAMESPACE,
    log,
    ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  });
  cleanups.push(revocations.stop);
  const runtime: ServiceRuntime = {
    nc,
    log,
    caller: wired ? declaredCaller(contract.name, wired, caller) : caller,
    namespace: env.PORTICO_NAMESPACE,
    revocations,
    onStop: (fn) => cleanups.push(fn),
  };
  const setup = await opts.setup(runtime);
  if (wired) checkConsumers(contract.name, wired, setup.consumers ?? []);
  const verifyToken = setup.verifyToken ?? createTokenVerifier(env, runtime.caller, log, revocations);
  const telemetry = createTelemetry({
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    service: contract.name,
    log,
  });
  const service = await serveContract({
    telemetry,
    nc,
    namespace: env.PORTICO_NAMESPACE,
    contract,
    handlers: setup.handlers,
    verifyToken,
    log,
    version: opts.version,
    defaultTimeoutMs: env.REQUEST_TIMEOUT_MS,
  });
  const { relay, consumers } = await startEvents(runtime, env, contract.name, setup);
  log.info("ready", { ms: Date.now() - startedAt, namespace: env.PORTICO_NAMESPACE });

  let stopped: Promise<void> | undefined;
  return {
    runtime,
    ...(relay ? { relay } : {}),
    stop: () => {
      stopped ??= (async () => {
        await service.stop();
        await consumers?.stop();
        await relay?.stop();
        await nc.drain();
        for (const fn of cleanups.reverse()) await fn();
        await telemetry.shutdown();
      })();
      return stopped;
    },
  };
}

/** Creates the event stream and starts the outbox relay and the consumers a service declared. */
async function startEvents<C extends ServiceContract>(
  runtime: ServiceRuntime,
  env: CommonEnv,
  service: string,
  setup: ServiceSetup<C>,
): Promise<{ relay?: Relay; consumers?: RunningConsumers }> {
  const consumers = setup.consumers ?? [];
  if (!setup.outbox && consumers.length === 0) return {};
  const { nc, log, namespace } = runtime;
  setOutboxNamespace(namespace);
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  await ensureEventStream(jsm, namespace, {
    duplicateWindowMs: env.EVENTS_DUPLICATE_WINDOW_MS,
    maxAgeMs: env.EVENTS_MAX_AGE_MS,
    replicas: env.EVENTS_REPLICAS,
  });
  const relay = setup.outbox
    ? startRelay({
        ...setup.outbox,
        js,
        namespace,
        log: log.child({ component: "relay" }),
        batchSize: env.EVENTS_BATCH_SIZE,
        pollMs: env.EVENTS_POLL_MS,
      })
    : undefined;
  if (consumers.length === 0) return relay ? { relay } : {};
  if (!setup.inbox) throw new Error(`${service} declares event consumers but no inbox table`);
  const running = await startConsumers({
    js,
    jsm,
    namespace,
    service,
    consumers,
    inbox: setup.inbox,
    log: log.child({ component: "consumer" }),
    maxDeliver: env.EVENTS_MAX_DELIVER,
    backoffMs: env.EVENTS_BACKOFF_MS,
    backoffMaxMs: env.EVENTS_BACKOFF_MAX_MS,
    concurrency: env.EVENTS_CONCURRENCY,
    timeoutMs: env.REQUEST_TIMEOUT_MS,
  });
  return relay ? { relay, consumers: running } : { consumers: running };
}
