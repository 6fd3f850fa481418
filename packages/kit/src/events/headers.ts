/** Header carrying the event id (the outbox row id, also sent as `Nats-Msg-Id`). */
export const EVENT_ID_HEADER = "portico-event-id";
/** Header carrying the contract version of the payload. */
export const EVENT_VERSION_HEADER = "portico-event-version";
