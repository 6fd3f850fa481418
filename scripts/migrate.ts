// `bun run db:migrate [--dev]`: provisions the database, the service roles and every service's
// schema. Each role's password comes from <SERVICE>_DB_PASSWORD and is set when the role is
// created or when its variable is given; a run never resets one. Without `--dev` every variable is
// required; with it (local development), a role created without one gets its role name.
import { parseArgs } from "node:util";
import { commonEnv, createLogger, loadEnv, runMain } from "@portico/kit";
import { z } from "zod";
import { missingPasswords, provision } from "./db/provision.ts";

const usage = `usage: bun run db:migrate [--dev]
  --dev   local development: a service role created without <SERVICE>_DB_PASSWORD gets its role name`;

const migrateEnv = z.object({
  DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico"),
  USERS_DB_PASSWORD: z.string().optional(),
  PAYMENTS_DB_PASSWORD: z.string().optional(),
  NOTIFICATIONS_DB_PASSWORD: z.string().optional(),
  SEARCH_DB_PASSWORD: z.string().optional(),
  LOG_LEVEL: commonEnv.shape.LOG_LEVEL,
});

runMain(async () => {
  let args: { dev?: boolean; help?: boolean };
  try {
    args = parseArgs({
      options: { dev: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(usage);
    return;
  }
  const env = loadEnv(migrateEnv);
  const log = createLogger({ service: "migrate" }, env.LOG_LEVEL);
  const passwords = {
    users: env.USERS_DB_PASSWORD,
    payments: env.PAYMENTS_DB_PASSWORD,
    notifications: env.NOTIFICATIONS_DB_PASSWORD,
    search: env.SEARCH_DB_PASSWORD,
  };
  const missing = missingPasswords(passwords);
  if (!args.dev && missing.length > 0) {
    console.error(
      `db:migrate: ${missing.join(", ")} not set. Outside local development every service role needs its ` +
        "password (it is set when the role is created, or changed when given). For a local database, " +
        "run `bun run db:migrate --dev`.",
    );
    process.exit(1);
  }
  await provision({ adminUrl: env.DATABASE_ADMIN_URL, passwords, dev: args.dev === true, log });
  log.info("database is up to date");
});
