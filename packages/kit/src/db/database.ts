import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";

export interface Database<S extends Record<string, unknown>> {
  db: PostgresJsDatabase<S>;
  /** Closes the pool, letting running queries finish for up to five seconds. */
  close(): Promise<void>;
}

/** A connection pool for one service's own database role, with snake_case column names. */
export function createDatabase<S extends Record<string, unknown>>(
  url: string,
  schema: S,
  opts: {
    max: number;
    appName: string;
    /** Run-time parameters every connection starts with (sent in the startup message). */
    settings?: Record<string, string>;
  },
): Database<S> {
  const client = postgres(url, {
    max: opts.max,
    onnotice: () => undefined,
    connection: { application_name: opts.appName, ...opts.settings },
  });
  const db = drizzle({ client, schema, casing: "snake_case" });
  return { db, close: () => client.end({ timeout: 5 }) };
}

/** True for Postgres' unique-violation error (23505), also when wrapped by drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}
