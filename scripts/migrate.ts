// `bun run db:migrate`: provisions the database, the service roles and every service's schema.
import { commonEnv, createLogger, loadEnv, runMain } from "@portico/kit";
import { z } from "zod";
import { provision } from "./db/provision.ts";

const migrateEnv = z.object({
  DATABASE_ADMIN_URL: z.url().default("postgres://postgres@127.0.0.1:5432/portico"),
  USERS_DB_PASSWORD: z.string().optional(),
  PAYMENTS_DB_PASSWORD: z.string().optional(),
  NOTIFICATIONS_DB_PASSWORD: z.string().optional(),
  SEARCH_DB_PASSWORD: z.string().optional(),
  LOG_LEVEL: commonEnv.shape.LOG_LEVEL,
});

runMain(async () => {
  const env = loadEnv(migrateEnv);
  const log = createLogger({ service: "migrate" }, env.LOG_LEVEL);
  await provision({
    adminUrl: env.DATABASE_ADMIN_URL,
    passwords: {
      users: env.USERS_DB_PASSWORD,
      payments: env.PAYMENTS_DB_PASSWORD,
      notifications: env.NOTIFICATIONS_DB_PASSWORD,
      search: env.SEARCH_DB_PASSWORD,
    },
    log,
  });
  log.info("database is up to date");
});
