import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import postgres from "postgres";
import { ThrowawayPostgres } from "./support/postgres.ts";
import { runCommand } from "./support/process.ts";

// `bun run db:migrate` on a throwaway cluster: service role passwords are never reset behind the
// operator's back, and outside local development a missing one stops the run.
const root = join(import.meta.dir, "..");
const pg = new ThrowawayPostgres();
let admin: postgres.Sql;

beforeAll(async () => {
  await pg.start();
  admin = postgres(pg.adminUrl.replace(/\/portico$/, "/postgres"), { max: 1, onnotice: () => undefined });
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await pg[Symbol.asyncDispose]();
});

const migrate = (args: string[], env: Record<string, string> = {}) =>
  runCommand(["bun", "scripts/migrate.ts", ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_ADMIN_URL: pg.adminUrl,
      LOG_LEVEL: "warn",
      ...env,
    },
  });

/** Each service role's stored password hash. */
async function hashes(): Promise<Record<string, string | null>> {
  const rows = await admin<{ rolname: string; rolpassword: string | null }[]>`
    select rolname, rolpassword from pg_authid where rolname like 'portico\\_%' order by rolname`;
  return Object.fromEntries(rows.map((r) => [r.rolname, r.rolpassword]));
}

const all = {
  USERS_DB_PASSWORD: "u-secret-1",
  PAYMENTS_DB_PASSWORD: "p-secret-1",
  NOTIFICATIONS_DB_PASSWORD: "n-secret-1",
  SEARCH_DB_PASSWORD: "s-secret-1",
};

describe("db:migrate and role passwords", () => {
  test("without --dev, missing passwords stop it before anything is created, naming each", async () => {
    const { code, stderr } = await migrate([], { USERS_DB_PASSWORD: "only-this-one" });
    expect(code).toBe(1);
    for (const name of ["PAYMENTS_DB_PASSWORD", "NOTIFICATIONS_DB_PASSWORD", "SEARCH_DB_PASSWORD"]) {
      expect(stderr).toContain(name);
    }
    expect(stderr).not.toContain("USERS_DB_PASSWORD");
    expect(await hashes()).toEqual({});
  });

  test("with every password it creates the roles with them; a run without them never resets them", async () => {
    expect((await migrate([], all)).code).toBe(0);
    const created = await hashes();
    expect(Object.keys(created)).toEqual([
      "portico_notifications",
      "portico_payments",
      "portico_search",
      "portico_users",
    ]);
    // A later run in development mode without the variables leaves every password as it was.
    expect((await migrate(["--dev"])).code).toBe(0);
    expect(await hashes()).toEqual(created);
    // Given explicitly, a password changes; the others stay.
    expect((await migrate(["--dev"], { USERS_DB_PASSWORD: "u-secret-2" })).code).toBe(0);
    const after = await hashes();
    expect(after.portico_users).not.toBe(created.portico_users);
    expect({ ...after, portico_users: null }).toEqual({ ...created, portico_users: null });
  }, 60_000);

  test("an unknown flag is refused with the usage; --help prints it", async () => {
    const refused = await migrate(["--force"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("usage: bun run db:migrate [--dev]");
    const help = await migrate(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--dev");
  });
});
