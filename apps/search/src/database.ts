import { createDatabase } from "@portico/kit/db";
import type { SearchEnv } from "./env.ts";
import * as schema from "./schema.ts";

/**
 * The search role's pool. Every connection starts with pg_trgm's similarity threshold set to
 * `SEARCH_TYPO_THRESHOLD`, so typo look-ups need no transaction to set it (query/typos.ts).
 */
export function openSearchDatabase(
  env: Pick<SearchEnv, "DATABASE_URL" | "SEARCH_TYPO_THRESHOLD">,
  opts: { max: number; appName: string },
) {
  return createDatabase(env.DATABASE_URL, schema, {
    ...opts,
    settings: { "pg_trgm.similarity_threshold": String(env.SEARCH_TYPO_THRESHOLD) },
  });
}
