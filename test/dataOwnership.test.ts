import { describe, expect, test } from "bun:test";
import { services } from "@portico/contracts";
import postgres from "postgres";
import { adminUrl, serviceDatabaseUrl } from "./support/env.ts";

// Each service's role owns its own schema and can touch nothing of another's.
const names = Object.keys(services);

async function migratedSchemas(): Promise<string[]> {
  const sql = postgres(adminUrl, { max: 1 });
  try {
    const rows = await sql<
      { nspname: string }[]
    >`select nspname from pg_namespace where nspname in ${sql(names)}`;
    return rows.map((r) => r.nspname);
  } finally {
    await sql.end();
  }
}

async function asRole<T>(service: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serviceDatabaseUrl(service), { max: 1, onnotice: () => undefined });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

async function sqlState(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return "ok";
  } catch (error) {
    return String((error as { code?: string }).code);
  }
}

describe("data ownership", async () => {
  const schemas = await migratedSchemas();

  test("the users schema exists and belongs to its role", () => {
    expect(schemas).toContain("users");
  });

  for (const owner of schemas) {
    test(`${owner}: its own role can read its tables`, async () => {
      const tables = await asRole(
        owner,
        (sql) =>
          sql<
            { t: string }[]
          >`select tablename as t from pg_tables where schemaname = ${owner} and tableowner = current_user`,
      );
      expect(tables.length).toBeGreaterThan(0);
    });

    for (const other of names.filter((n) => n !== owner)) {
      test(`${other} cannot read or write ${owner}'s tables`, async () => {
        const tables = await asRole(
          owner,
          (sql) => sql<{ t: string }[]>`select tablename as t from pg_tables where schemaname = ${owner}`,
        );
        for (const { t } of tables) {
          expect(
            await sqlState(asRole(other, (sql) => sql.unsafe(`select 1 from "${owner}"."${t}" limit 1`))),
          ).toBe("42501");
          expect(await sqlState(asRole(other, (sql) => sql.unsafe(`delete from "${owner}"."${t}"`)))).toBe(
            "42501",
          );
        }
      });
    }
  }

  test("service roles cannot create schemas", async () => {
    expect(await sqlState(asRole("payments", (sql) => sql.unsafe(`create schema sneaky`)))).toBe("42501");
  });
});
