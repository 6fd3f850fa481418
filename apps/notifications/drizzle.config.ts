import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "../../drizzle/notifications",
  schemaFilter: ["notifications"],
  casing: "snake_case",
  // Same journal as migrationJournal("notifications") in @portico/kit/db: outside the service's schema.
  migrations: { schema: "drizzle", table: "notifications_migrations" },
});
