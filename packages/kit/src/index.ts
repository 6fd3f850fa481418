export type { Identity, TokenVerifier } from "./auth.ts";
export { ACCESS_TOKEN_ALG, bearerToken, CLOCK_SKEW_SECONDS, createJwksVerifier } from "./auth.ts";
export { type Batcher, createBatcher, type ItemOutcome } from "./batch.ts";
export type { Caller } from "./call.ts";
export { createCaller } from "./call.ts";
export type { Reply } from "./codec.ts";
export { decodeJson, encodeJson } from "./codec.ts";
export type { RequestContext } from "./context.ts";
export { contextFromHeaders, contextToHeaders, Header, newRequestContext } from "./context.ts";
export type { CommonEnv, ServiceEnv } from "./env.ts";
export { ConfigError, commonEnv, loadEnv, serviceEnv } from "./env.ts";
export { fail, invalidInput, ServiceError, toErrorBody, validationDetails } from "./errors.ts";
export type {
  ConsumeOptions,
  DeliveredEvent,
  EventBatchHandler,
  EventConsumer,
  EventContext,
  EventHandler,
  Relay,
  RunningConsumers,
} from "./events/index.ts";
export {
  consume,
  consumeBatch,
  deadLetterSubject,
  durableName,
  EVENT_ID_HEADER,
  EVENT_VERSION_HEADER,
  ensureEventStream,
  eventStreamName,
  eventSubject,
  replayConsumerName,
  startConsumers,
  startRelay,
} from "./events/index.ts";
export {
  fileKeySets,
  KEY_SET_TYP,
  newKeySetKeyPair,
  PublicEcJwk,
  pinnedKeySets,
  signKeySet,
  trustedKeySets,
} from "./keySet.ts";
export { forEachLine } from "./lines.ts";
export { createLocalCaller, type LocalService } from "./local.ts";
export type { Logger, LogLevel } from "./log.ts";
export { createLogger } from "./log.ts";
export type { NatsConnectOptions } from "./nats.ts";
export {
  channelSubject,
  connectNats,
  inboxPrefix,
  procedureSubject,
  rateLimitBucket,
  sessionEndedSubject,
} from "./nats.ts";
export {
  createSessionEnder,
  endedSessionsBucket,
  followEndedSessions,
  keysChangedSubject,
  type Revocations,
  type SessionEnder,
} from "./revocations.ts";
export type { HandlerContext, HandlerFor, Handlers, UserHandlerContext } from "./serve.ts";
export { runProcedure, serveContract } from "./serve.ts";
export type { RunningService, ServiceRuntime, ServiceSetup, StartServiceOptions } from "./service.ts";
export { startService } from "./service.ts";
export { exitOnSignal, runMain } from "./shutdown.ts";
export { createTelemetry, type Telemetry, type TracedWork } from "./telemetry.ts";
export { createTokenVerifier } from "./tokenVerifier.ts";
export { continueTrace, traceIdOf } from "./trace.ts";
