/**
 * Where a service's applied migrations are recorded: one table per service in the shared `drizzle`
 * schema, outside the service's own schema (see drizzle.config.ts of each service).
 */
export function migrationJournal(service: string) {
  return { schema: "drizzle", table: `${service}_migrations` } as const;
}
