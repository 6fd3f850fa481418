// `bun run db:generate [name]`: writes a new SQL migration for every service whose schema.ts changed.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const apps = join(import.meta.dir, "..", "apps");
const name = process.argv[2];
let failed = false;
for (const app of readdirSync(apps)) {
  const dir = join(apps, app);
  if (!existsSync(join(dir, "drizzle.config.ts"))) continue;
  console.log(`── ${app}`);
  const args = ["bunx", "--bun", "drizzle-kit", "generate", ...(name ? ["--name", name] : [])];
  const proc = Bun.spawnSync(args, { cwd: dir, stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
