import { loadEnv, serviceEnv } from "@portico/kit";
import { z } from "zod";

/** The search service's configuration, validated at start. */
export const searchEnvSchema = serviceEnv.extend({
  DATABASE_URL: serviceEnv.shape.DATABASE_URL.default(
    "postgres://portico_search:portico_search@127.0.0.1:5432/portico",
  ),
  /** Minimum pg_trgm similarity (0–1) of a misspelt query word (or a transposition of it) to a known word. */
  SEARCH_TYPO_THRESHOLD: z.coerce.number().min(0.1).max(1).default(0.3),
  /** Events the reindexer applies per transaction while it rebuilds the index aside. */
  SEARCH_REINDEX_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
});
export type SearchEnv = z.output<typeof searchEnvSchema>;

/** Reads and validates the search service's environment. */
export const loadSearchEnv = (source?: Record<string, string | undefined>) =>
  loadEnv(searchEnvSchema, source);
