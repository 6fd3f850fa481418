import { exitOnSignal, runMain } from "@portico/kit";
import { loadUsersEnv } from "./env.ts";
import { startUsersService } from "./service.ts";

runMain(async () => {
  const running = await startUsersService(loadUsersEnv());
  exitOnSignal(running.stop, running.runtime.log);
});
