import { search } from "@portico/contracts";
import { type RunningService, startService } from "@portico/kit";
import pkg from "../package.json" with { type: "json" };
import { openSearchDatabase } from "./database.ts";
import type { SearchEnv } from "./env.ts";
import { createHandlers } from "./handlers/index.ts";
import { createConsumers } from "./index/events.ts";
import * as schema from "./schema.ts";

/** Starts one instance of the search service: the query procedure and the consumers feeding the index. */
export function startSearchService(env: SearchEnv): Promise<RunningService> {
  return startService({
    contract: search,
    version: pkg.version,
    env,
    setup({ namespace, onStop }) {
      const database = openSearchDatabase(env, { max: env.DATABASE_POOL_MAX, appName: "search" });
      onStop(database.close);
      return {
        handlers: createHandlers({ db: database.db, namespace }),
        consumers: createConsumers(namespace),
        inbox: { db: database.db, table: schema.processedEvents },
      };
    },
  });
}
