import { inArray } from "drizzle-orm";
import { openSearchDatabase } from "../src/database.ts";
import { loadSearchEnv } from "../src/env.ts";
import { applyDocuments, paymentDocument, userDocument } from "../src/index/documents.ts";
import { parseQuery } from "../src/query/parse.ts";
import { search } from "../src/query/search.ts";
import * as schema from "../src/schema.ts";

/** The search role's own pool (not a superuser), as the service connects. */
export const database = openSearchDatabase(loadSearchEnv(), { max: 4, appName: "search-test" });
export const db = database.db;

const used: string[] = [];

/** A namespace of this test's own in the shared index. */
export function uniqueNamespace(): string {
  const ns = `st${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  used.push(ns);
  return ns;
}

/** Removes the documents of every namespace used so far (test files share this module and its pool). */
export async function cleanUp(): Promise<void> {
  await db.delete(schema.documents).where(inArray(schema.documents.namespace, used.splice(0)));
}

/** A random word, so names are unique per run in the shared database. */
export const token = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "bcdfghjklmnpqrstvwz"[b % 19]).join("");

let clock = Date.parse("2026-01-01T00:00:00Z");
/** Strictly increasing event times. */
export function tick(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

/** Indexes a user as `user.created` would. */
export async function addUser(ns: string, name: string, userId = crypto.randomUUID()): Promise<string> {
  await applyDocuments(db, schema.documents, ns, [userDocument({ userId, name, createdAt: tick() })]);
  return userId;
}

/** Indexes a succeeded payment as `payment.succeeded` would. */
export async function addPayment(ns: string, userId: string, description: string, amount = 1234) {
  const paymentId = crypto.randomUUID();
  await applyDocuments(db, schema.documents, ns, [
    paymentDocument({ paymentId, userId, amount, currency: "USD", description, occurredAt: tick() }),
  ]);
  return paymentId;
}

/** Runs a query as `userId` in `ns` with the service's defaults. */
export function find(
  ns: string,
  userId: string,
  q: string,
  opts: {
    limit?: number;
    cursor?: import("../src/query/cursor.ts").Position;
    types?: Array<"user" | "payment">;
  } = {},
  from: typeof db = db,
) {
  return search(from, {
    namespace: ns,
    userId,
    query: parseQuery(q),
    types: opts.types ?? ["user", "payment"],
    limit: opts.limit ?? 20,
    ...(opts.cursor ? { after: opts.cursor } : {}),
  });
}
