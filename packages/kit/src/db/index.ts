export { createDatabase, type Database, isUniqueViolation } from "./database.ts";
export { migrationJournal } from "./journal.ts";
export { enqueueEvent, type OutboxTable, outboxTable } from "./outbox.ts";
