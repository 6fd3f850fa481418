import type { HitType } from "@portico/contracts";
import { processedEventsTable } from "@portico/kit/db";
import { sql } from "drizzle-orm";
import { bigint, customType, index, pgSchema, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { z } from "zod";

/** Everything the search service stores, in its own Postgres schema. */
export const searchSchema = pgSchema("search");

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** The text search configuration of the index and of every query against it. */
export const TEXT_CONFIG = "english";

/**
 * The searchable documents, one per (namespace, type, id), built only from events. `version_rank`
 * then `version_at` order a document's states (a refund raises the rank), so an older event never
 * overwrites a newer state. `tsv` weighs the title (A) above the body (B).
 */
export function documentsTable(name: string) {
  return searchSchema.table(
    name,
    {
      namespace: text().notNull(),
      type: text().$type<z.infer<typeof HitType>>().notNull(),
      id: uuid().notNull(),
      /** Who may see the document; null means everyone (users). */
      ownerId: uuid(),
      title: text().notNull(),
      body: text().notNull(),
      versionRank: bigint({ mode: "number" }).notNull(),
      versionAt: timestamp({ withTimezone: true, mode: "string" }).notNull(),
      indexedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
      tsv: tsvector()
        .notNull()
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, body), 'B')`,
        ),
    },
    (t) => [
      primaryKey({ name: `${name}_pkey`, columns: [t.namespace, t.type, t.id] }),
      index(`${name}_tsv_idx`).using("gin", t.tsv),
      index(`${name}_owner_idx`).on(t.namespace, t.ownerId),
    ],
  );
}
export type DocumentsTable = ReturnType<typeof documentsTable>;

/** The live index that queries read. */
export const documents = documentsTable("documents");

/**
 * Every word seen in a title, for typo correction: a misspelt query word is matched by trigram
 * similarity against this small table, and its corrections are then searched with the GIN text index.
 * Append-only (a word no document uses any more only yields a correction that matches nothing).
 */
export const words = searchSchema.table("words", { word: text().primaryKey() }, (t) => [
  index("words_trgm_idx").using("gin", t.word.op("gin_trgm_ops")),
]);

export const processedEvents = processedEventsTable(searchSchema);
