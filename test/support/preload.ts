// Runs once before the suite: brings the database schema up to date, exactly as `bun run db:migrate` does.
import { createLogger } from "@portico/kit";
import { provision } from "../../scripts/db/provision.ts";
import { adminUrl } from "./env.ts";

await provision({
  adminUrl,
  passwords: {},
  dev: true,
  log: createLogger({ service: "test-migrate" }, "warn"),
});
