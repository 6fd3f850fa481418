// `bun run search:reindex [--allow-partial]`: rebuilds the search index from the event stream and swaps it in.
import { connectNats, createLogger, runMain } from "@portico/kit";
import { openSearchDatabase } from "../database.ts";
import { loadSearchEnv } from "../env.ts";
import { reindex } from "./reindex.ts";

runMain(async () => {
  const env = loadSearchEnv();
  const log = createLogger({ service: "search-reindex" }, env.LOG_LEVEL);
  const database = openSearchDatabase(env, { max: 2, appName: "search-reindex" });
  const nc = await connectNats({
    url: env.NATS_URL,
    name: "search-reindex",
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });
  try {
    const report = await reindex({
      db: database.db,
      nc,
      namespace: env.PORTICO_NAMESPACE,
      batch: env.SEARCH_REINDEX_BATCH,
      log,
      allowPartial: process.argv.includes("--allow-partial"),
    });
    log.info("search index swapped in", { ...report });
  } finally {
    await nc.drain();
    await database.close();
  }
});
