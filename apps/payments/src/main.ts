import { exitOnSignal, runMain } from "@portico/kit";
import { loadPaymentsEnv } from "./env.ts";
import { startPaymentsService } from "./service.ts";

runMain(async () => {
  const running = await startPaymentsService(loadPaymentsEnv());
  exitOnSignal(running.stop, running.runtime.log);
});
