export {
  type ConsumeOptions,
  consume,
  consumeBatch,
  type DeliveredEvent,
  durableName,
  type EventBatchHandler,
  type EventConsumer,
  type EventContext,
  type EventHandler,
  replayConsumerName,
} from "./consume.ts";
export { type RunningConsumers, startConsumers } from "./consumers.ts";
export { EVENT_ID_HEADER, EVENT_VERSION_HEADER } from "./headers.ts";
export { type Relay, startRelay } from "./relay.ts";
export { deadLetterSubject, ensureEventStream, eventStreamName, eventSubject } from "./stream.ts";
