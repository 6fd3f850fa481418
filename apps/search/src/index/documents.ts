import {
  type Currency,
  currencyExponent,
  type EventPayload,
  type paymentEvents,
  type userEvents,
} from "@portico/contracts";
import { jsonRecords } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type DocumentsTable, words } from "../schema.ts";

type Db = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** One state of a searchable document, as derived from one event. */
export interface DocumentState {
  type: "user" | "payment";
  id: string;
  ownerId: string | null;
  title: string;
  body: string;
  /** With `versionAt`, orders the states of one document; higher wins. */
  versionRank: number;
  versionAt: string;
}

/** Minor units as the decimal text people type: 1234 USD → "12.34", 1200 JPY → "1200". */
export function formatAmount(amount: number, currency: Currency): string {
  const exponent = currencyExponent[currency];
  if (exponent === 0) return String(amount);
  const sign = amount < 0 ? "-" : "";
  const digits = String(Math.abs(amount)).padStart(exponent + 1, "0");
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** A user document: the name only (never the email, which user events do not carry anyway). */
export function userDocument(
  p: EventPayload<typeof userEvents.created> | EventPayload<typeof userEvents.updated>,
): DocumentState {
  const versionAt = "createdAt" in p ? p.createdAt : p.updatedAt;
  return { type: "user", id: p.userId, ownerId: null, title: p.name, body: "", versionRank: 0, versionAt };
}

type PaymentPayload =
  | EventPayload<typeof paymentEvents.succeeded>
  | EventPayload<typeof paymentEvents.failed>
  | EventPayload<typeof paymentEvents.refunded>;

/** A payment document: description, amount, currency and status, visible to its owner only. */
export function paymentDocument(p: PaymentPayload): DocumentState {
  const amount = `${formatAmount(p.amount, p.currency)} ${p.currency}`;
  let status: string;
  let refunded = 0;
  if ("amountRefunded" in p) {
    refunded = p.amountRefunded;
    status =
      p.amountRefunded >= p.amount
        ? "refunded"
        : `partially refunded ${formatAmount(p.amountRefunded, p.currency)} ${p.currency}`;
  } else {
    status = "failureCode" in p ? `failed ${p.failureCode.replaceAll("_", " ")}` : "succeeded";
  }
  return {
    type: "payment",
    id: p.paymentId,
    ownerId: p.userId,
    title: p.description?.trim() || `Payment of ${amount}`,
    body: `${amount} · ${status}`,
    // Refunds only ever add up, so the refunded total orders a payment's states even when two
    // refunds carry the same or out-of-order timestamps.
    versionRank: refunded,
    versionAt: p.occurredAt,
  };
}

/** True when state `a` is newer than `b` (the same order the upsert's guard uses). */
export function isNewer(a: DocumentState, b: DocumentState): boolean {
  if (a.versionRank !== b.versionRank) return a.versionRank > b.versionRank;
  return Date.parse(a.versionAt) > Date.parse(b.versionAt);
}

/**
 * The titles whose words this process has already stored in the typo lexicon (`words`), so most
 * batches skip that insert: payment titles repeat ("Payment of 12.99 USD"), and so do names.
 * Remember a title only once its words are committed; the lexicon is append-only, so an entry
 * never goes stale. Bounded: when full it starts again empty.
 */
export interface Lexicon {
  has(title: string): boolean;
  remember(titles: string[]): void;
}

/** A lexicon memory of at most `max` titles. */
export function createLexicon(max = 10_000): Lexicon {
  const titles = new Set<string>();
  return {
    has: (title) => titles.has(title),
    remember(added) {
      if (titles.size + added.length > max) titles.clear();
      for (const title of added) titles.add(title);
    },
  };
}

/**
 * Writes document states unless the index already holds the same or a newer one: replays are
 * no-ops and a late, older event never brings back stale text. Several states of one document in
 * one call are reduced to the newest first (one statement may not update a row twice). With a
 * `lexicon`, `db` must not be a transaction (each statement commits on its own), so that a
 * remembered title's words are known to be stored.
 */
export async function applyDocuments(
  db: Db,
  table: DocumentsTable,
  namespace: string,
  states: DocumentState[],
  lexicon?: Lexicon,
): Promise<void> {
  const newest = new Map<string, DocumentState>();
  for (const doc of states) {
    const key = `${doc.type}:${doc.id}`;
    const seen = newest.get(key);
    if (!seen || isNewer(doc, seen)) newest.set(key, doc);
  }
  if (newest.size === 0) return;
  // Rows in key order, so concurrent batches touching the same documents lock them in the same order.
  const rows = [...newest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, doc], ord) => ({ namespace, ...doc, ord }));
  await db.execute(sql`
    insert into ${table} (namespace, type, id, owner_id, title, body, version_rank, version_at)
    select d.namespace, d.type, d.id, d."ownerId", d.title, d.body, d."versionRank", d."versionAt"
    from ${jsonRecords(rows)} as d(ord integer, namespace text, type text,
      id uuid, "ownerId" uuid, title text, body text, "versionRank" bigint, "versionAt" timestamptz)
    order by d.ord
    on conflict (namespace, type, id) do update set
      owner_id = excluded.owner_id, title = excluded.title, body = excluded.body,
      version_rank = excluded.version_rank, version_at = excluded.version_at, indexed_at = now()
    where (excluded.version_rank, excluded.version_at) > (${table}.version_rank, ${table}.version_at)`);
  const titles = [...new Set(rows.map((doc) => doc.title))].filter((title) => !lexicon?.has(title));
  if (titles.length === 0) return;
  await db.execute(sql`
    insert into ${words} (word)
    select distinct w from regexp_split_to_table(lower(${titles.join(" ")}), '[^[:alnum:]]+') w where length(w) >= 2
    order by w
    on conflict do nothing`);
  lexicon?.remember(titles);
}
