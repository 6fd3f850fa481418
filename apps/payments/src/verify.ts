// `bun run payments:verify`: checks the ledger invariants against the payments database; exits 1 on any violation.
import { runMain } from "@portico/kit";
import { createDatabase } from "@portico/kit/db";
import { loadPaymentsEnv } from "./env.ts";
import { checkLedger } from "./invariants.ts";
import * as schema from "./schema.ts";

runMain(async () => {
  const env = loadPaymentsEnv();
  const database = createDatabase(env.DATABASE_URL, schema, { max: 1, appName: "payments-verify" });
  try {
    const violations = await checkLedger(database.db);
    for (const v of violations) console.error(JSON.stringify({ violated: v.rule, rows: v.rows }));
    console.log(
      violations.length === 0
        ? "ledger ok: every invariant holds"
        : `${violations.length} invariant(s) violated`,
    );
    process.exitCode = violations.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
});
