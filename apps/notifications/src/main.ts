import { exitOnSignal, runMain } from "@portico/kit";
import { loadNotificationsEnv } from "./env.ts";
import { startNotificationsService } from "./service.ts";

runMain(async () => {
  const running = await startNotificationsService(loadNotificationsEnv());
  exitOnSignal(running.stop, running.runtime.log);
});
