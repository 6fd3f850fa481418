import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "../../drizzle/payments",
  schemaFilter: ["payments"],
  casing: "snake_case",
  // Same journal as migrationJournal("payments") in @portico/kit/db: outside the service's schema, one per service.
  migrations: { schema: "drizzle", table: "payments_migrations" },
});
