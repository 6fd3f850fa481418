import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as schema from "./schema.ts";

/** The payments service's connection pool. */
export type PaymentsDb = PostgresJsDatabase<typeof schema>;
/** A transaction on it. */
export type PaymentsTx = Parameters<Parameters<PaymentsDb["transaction"]>[0]>[0];
