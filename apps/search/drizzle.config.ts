import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "../../drizzle/search",
  schemaFilter: ["search"],
  casing: "snake_case",
  // Same journal as migrationJournal("search") in @portico/kit/db: outside the service's schema, one per service.
  migrations: { schema: "drizzle", table: "search_migrations" },
});
