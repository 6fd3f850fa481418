import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "../../drizzle/users",
  schemaFilter: ["users"],
  casing: "snake_case",
  // Same journal as migrationJournal("users") in @portico/kit/db: outside the service's schema, one per service.
  migrations: { schema: "drizzle", table: "users_migrations" },
});
