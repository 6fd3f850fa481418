// `bun run chaos`: runs every chaos scenario (test/chaos/) alone, then prints the summary table of
// their recorded rows. Exits with the tests' status.
import { rmSync } from "node:fs";
import { chaosArtifacts, chaosTable, readChaosRows } from "../test/support/chaos.ts";

rmSync(chaosArtifacts, { recursive: true, force: true });
const tests = Bun.spawn(["bun", "test", "--timeout", "90000", "test/chaos"], {
  stdio: ["inherit", "inherit", "inherit"],
});
const status = await tests.exited;
const rows = readChaosRows();
console.log(`\nChaos summary: ${rows.length} scenarios (lost/duplicated must be 0)\n\n${chaosTable(rows)}`);
process.exit(status);
