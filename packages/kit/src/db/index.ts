export { createDatabase, type Database, isUniqueViolation } from "./database.ts";
export { newId } from "./ids.ts";
export { migrationJournal } from "./journal.ts";
export {
  enqueueEvent,
  NAMESPACE_HEADER,
  type OutboxRow,
  type OutboxTable,
  outboxRow,
  outboxTable,
} from "./outbox.ts";
export { jsonRecords, uuidArray } from "./params.ts";
export {
  claimEvents,
  type EventClaim,
  type ProcessedEventsTable,
  processedEventsTable,
} from "./processed.ts";
