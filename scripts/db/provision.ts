import { existsSync } from "node:fs";
import { join } from "node:path";
import { services } from "@portico/contracts";
import type { Logger } from "@portico/kit";
import { migrationJournal } from "@portico/kit/db";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

const root = join(import.meta.dir, "..", "..");

/** The database role a service connects as; it owns that service's schema and nothing else. */
export const serviceRole = (service: string) => `portico_${service}`;

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export interface ProvisionOptions {
  /** A superuser URL whose path names the Portico database (created if missing). */
  adminUrl: string;
  /** Password for each service role: set when the role is created, or changed when given. */
  passwords: Partial<Record<string, string | undefined>>;
  /** Local development: a role created without a password gets its role name. */
  dev: boolean;
  log: Logger;
}

/** The password variables a set of passwords lacks, e.g. `USERS_DB_PASSWORD`. */
export function missingPasswords(passwords: Partial<Record<string, string | undefined>>): string[] {
  return Object.keys(services)
    .filter((service) => !passwords[service])
    .map((service) => `${service.toUpperCase()}_DB_PASSWORD`);
}

async function ensureDatabase(adminUrl: string, log: Logger): Promise<void> {
  const url = new URL(adminUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  const sql = postgres(url.toString(), { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql`select 1 as present from pg_database where datname = ${name}`;
    if (row) return;
    await sql.unsafe(`create database ${ident(name)}`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error; // created by a concurrent run
    });
    log.info("created database", { database: name });
  } finally {
    await sql.end();
  }
}

/**
 * Creates the database, one login role per service, and runs every service's Drizzle migrations
 * with a journal of its own; then hands each service's schema and tables to its role. Idempotent,
 * and serialised by an advisory lock so concurrent runs are safe.
 */
export async function provision(opts: ProvisionOptions): Promise<void> {
  await ensureDatabase(opts.adminUrl, opts.log);
  const sql = postgres(opts.adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(hashtext('portico.provision'))`;
    const [{ db } = { db: "" }] = await sql<{ db: string }[]>`select current_database() as db`;
    await sql.unsafe(`revoke all on database ${ident(db)} from public`);
    for (const service of Object.keys(services)) {
      const role = serviceRole(service);
      const given = opts.passwords[service];
      const [exists] = await sql`select 1 as present from pg_roles where rolname = ${role}`;
      const attributes = "login nosuperuser nocreatedb nocreaterole";
      if (!exists) {
        const password = given ?? (opts.dev ? role : undefined);
        if (!password) throw new Error(`${service.toUpperCase()}_DB_PASSWORD is required to create ${role}`);
        await sql.unsafe(`create role ${ident(role)} ${attributes} password ${literal(password)}`);
      } else {
        // An existing role keeps its password unless a new one is given.
        await sql.unsafe(
          `alter role ${ident(role)} ${attributes}${given ? ` password ${literal(given)}` : ""}`,
        );
      }
      await sql.unsafe(`grant connect on database ${ident(db)} to ${ident(role)}`);
      await migrateService(sql, service, opts.log);
    }
  } finally {
    await sql.end();
  }
}

async function migrateService(sql: postgres.Sql, service: string, log: Logger): Promise<void> {
  const folder = join(root, "drizzle", service);
  if (!existsSync(join(folder, "meta", "_journal.json"))) {
    log.info("no migrations yet", { service });
    return;
  }
  const journal = migrationJournal(service);
  await migrate(drizzle({ client: sql }), {
    migrationsFolder: folder,
    migrationsSchema: journal.schema,
    migrationsTable: journal.table,
  });
  // Migrations run as the admin; the service's role then owns its schema and everything in it.
  const role = ident(serviceRole(service));
  await sql.unsafe(`alter schema ${ident(service)} owner to ${role}`);
  // Only objects it does not own yet: ALTER … OWNER takes an ACCESS EXCLUSIVE lock even when nothing
  // changes, and waiting behind a long read of a live table would stall every write queued after it.
  const objects = await sql<{ name: string; kind: string }[]>`
    select c.relname as name, c.relkind as kind from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${service} and c.relkind in ('r', 'p', 'S', 'v', 'm')
      and c.relowner <> (select oid from pg_roles where rolname = ${serviceRole(service)})
      -- serial/identity sequences belong to their table and change owner with it
      and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))`;
  for (const { name, kind } of objects) {
    const noun =
      kind === "S" ? "sequence" : kind === "v" ? "view" : kind === "m" ? "materialized view" : "table";
    await sql.unsafe(`alter ${noun} ${ident(service)}.${ident(name)} owner to ${role}`);
  }
  log.info("migrated", { service, objects: objects.length });
}
