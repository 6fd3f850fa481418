import { exitOnSignal, runMain } from "@portico/kit";
import { loadSearchEnv } from "./env.ts";
import { startSearchService } from "./service.ts";

runMain(async () => {
  const running = await startSearchService(loadSearchEnv());
  exitOnSignal(running.stop, running.runtime.log);
});
