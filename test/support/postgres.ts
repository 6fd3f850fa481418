import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@portico/kit";
import { provision } from "../../scripts/db/provision.ts";
import { freePort } from "./ports.ts";
import { runCommand } from "./process.ts";

/** The server binaries (Debian layout), version 15 when installed, else the newest. */
function binaries(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dirs = ["15", ...versions].map((v) => join(root, v, "bin"));
  const found = dirs.find((dir) => existsSync(join(dir, "initdb")));
  if (!found) throw new Error(`no initdb under ${root}/<version>/bin: install the PostgreSQL server`);
  return found;
}

/**
 * A throwaway Postgres cluster on a free loopback port, owned by one test, so it can be stopped
 * and started under load without touching the machine's shared server. Durable as a real one
 * (fsync on); initdb refuses to run as root, so as root its commands run as the `postgres` user.
 */
export class ThrowawayPostgres implements AsyncDisposable {
  private readonly bin = binaries();
  readonly port = freePort();
  readonly adminUrl = `postgres://postgres@127.0.0.1:${this.port}/portico`;
  private readonly dir = mkdtempSync(join(tmpdir(), "portico-pg-"));
  private readonly data = join(this.dir, "data");
  private initialised = false;

  /** A service role's URL on this cluster (trust auth on loopback; the password is the role name). */
  serviceUrl(service: string): string {
    return `postgres://portico_${service}:portico_${service}@127.0.0.1:${this.port}/portico`;
  }

  /** Creates the cluster on first use, starts it and waits until it accepts connections. */
  async start(): Promise<void> {
    if (!this.initialised) {
      if (process.getuid?.() === 0) chownSync(this.dir, postgresUid(), postgresGid());
      // --no-sync skips only initdb's own final flush (nothing crashes the OS under a test); the
      // server runs with fsync on, so a commit it acknowledged survives `stop("immediate")`.
      const initdb = [`${this.bin}/initdb`, "-D", this.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"];
      await this.run([...initdb, "--no-sync"]);
      this.initialised = true;
    }
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=32MB`;
    await this.run([
      `${this.bin}/pg_ctl`,
      "-D",
      this.data,
      "-l",
      join(this.dir, "log"),
      "-w",
      "-o",
      options,
      "start",
    ]);
  }

  /** Stops the server: `fast` rolls back open transactions and closes every connection; `immediate` is a crash. */
  async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
    await this.run([`${this.bin}/pg_ctl`, "-D", this.data, "-m", mode, "-w", "stop"]);
  }

  /** Creates the Portico database, the service roles and every service's schema, as `bun run db:migrate` does. */
  async provision(): Promise<void> {
    await provision({
      adminUrl: this.adminUrl,
      passwords: {},
      dev: true,
      log: createLogger({ service: "test-migrate" }, "warn"),
    });
  }

  private async run(command: string[]): Promise<void> {
    const argv = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...command] : command;
    const { code, stdout, stderr } = await runCommand(argv, { cwd: this.dir });
    if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.initialised) await this.stop("immediate").catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function idOf(flag: "-u" | "-g"): number {
  const out = Bun.spawnSync(["id", flag, "postgres"]).stdout.toString().trim();
  const id = Number(out);
  if (!out || !Number.isInteger(id)) throw new Error("no `postgres` OS user to run the throwaway cluster as");
  return id;
}
const postgresUid = () => idOf("-u");
const postgresGid = () => idOf("-g");
