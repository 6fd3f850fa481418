// `bun bench/search.ts [--sizes 10000,100000] [--queries 200] [--events 200]`: search query latency at
// several index sizes and index freshness (event published → searchable). Needs Postgres and NATS as
// for the tests and `bun run db:migrate`. Works in a namespace of its own and removes it afterwards.
import { parseArgs } from "node:util";
import { type Currency, userEvents } from "@portico/contracts";
import {
  createLogger,
  EVENT_ID_HEADER,
  encodeJson,
  ensureEventStream,
  eventStreamName,
  eventSubject,
} from "@portico/kit";
import { and, count, eq, sql } from "drizzle-orm";
import { connect, headers } from "nats";
import { openSearchDatabase } from "../apps/search/src/database.ts";
import { loadSearchEnv } from "../apps/search/src/env.ts";
import {
  applyDocuments,
  type DocumentState,
  paymentDocument,
  userDocument,
} from "../apps/search/src/index/documents.ts";
import { parseQuery } from "../apps/search/src/query/parse.ts";
import { search } from "../apps/search/src/query/search.ts";
import * as schema from "../apps/search/src/schema.ts";
import { startSearchService } from "../apps/search/src/service.ts";
import { sharedNatsEnv } from "../test/support/env.ts";
import { sharedKeySet } from "../test/support/keySet.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,100000" },
    queries: { type: "string", default: "200" },
    events: { type: "string", default: "200" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const rounds = Number(values.queries);
// In-process, on the machine's shared NATS (no users there), in a namespace of its own.
const env = loadSearchEnv({ ...process.env, ...sharedNatsEnv, ...sharedKeySet.env });
const namespace = `bsearch${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
const database = openSearchDatabase(env, { max: 4, appName: "search-bench" });
const db = database.db;

const first =
  "Alice Alicia Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Yusuf Zoe Amir Beatriz Chen Dmitri Elif Fatima Goran Hana".split(
    " ",
  );
const last =
  "Johnson Keys Stone Smith Garcia Miller Davis Lopez Wilson Moore Taylor Thomas Lee Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans".split(
    " ",
  );
const items =
  "coffee beans|concert tickets|rock concert|opera glasses|train fare|hotel night|garden chairs|bike repair|groceries|books|ramen dinner|taxi ride|museum pass|phone bill|gym membership".split(
    "|",
  );
const currencies: Currency[] = ["USD", "EUR", "GBP", "JPY"];
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const owners: string[] = [];

/** The i-th synthetic document: users and payments alternate, payments belong to the first 2,000 users. */
function documentAt(i: number): DocumentState {
  if (i % 2 === 0 || owners.length === 0) {
    const userId = crypto.randomUUID();
    if (owners.length < 2000) owners.push(userId);
    return userDocument({ userId, name: `${pick(first)} ${pick(last)}`, createdAt: at(i) });
  }
  return paymentDocument({
    paymentId: crypto.randomUUID(),
    userId: pick(owners),
    amount: 100 + Math.floor(Math.random() * 100_000),
    currency: pick(currencies),
    description: `${pick(items)} ${pick(last).toLowerCase()}`,
    occurredAt: at(i),
  });
}

async function fillTo(size: number): Promise<void> {
  const where = eq(schema.documents.namespace, namespace);
  let [row] = await db.select({ n: count() }).from(schema.documents).where(where);
  for (let n = row?.n ?? 0; n < size; n += 1000) {
    const batch = Array.from({ length: Math.min(1000, size - n) }, (_, k) => documentAt(n + k));
    await applyDocuments(db, schema.documents, namespace, batch);
  }
  await db.execute(sql`analyze search.documents`);
  [row] = await db.select({ n: count() }).from(schema.documents).where(where);
  console.log(`indexed ${row?.n} documents`);
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const fmt = (ms: number) => ms.toFixed(1).padStart(7);

const queries = [
  "ali",
  "alcie",
  '"alice johnson"',
  "alice jo",
  "coffee",
  "concert -rock",
  "jonson",
  "bike repair",
];

async function latency(size: number): Promise<void> {
  await fillTo(size);
  const userId = owners[0] ?? crypto.randomUUID();
  const all: number[] = [];
  console.log(`\n${size} documents: query latency in ms (search() against Postgres, ${rounds} runs each)`);
  console.log(`${"query".padEnd(18)}   median     p99  hits`);
  for (const q of queries) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < rounds + 10; i++) {
      const started = performance.now();
      const page = await search(db, {
        namespace,
        userId,
        query: parseQuery(q),
        types: ["user", "payment"],
        limit: 20,
      });
      if (i >= 10) times.push(performance.now() - started);
      hits = page.items.length;
    }
    all.push(...times);
    console.log(`${q.padEnd(18)} ${fmt(percentile(times, 50))} ${fmt(percentile(times, 99))}  ${hits}`);
  }
  console.log(`${"all".padEnd(18)} ${fmt(percentile(all, 50))} ${fmt(percentile(all, 99))}`);
}

async function freshness(): Promise<void> {
  const log = createLogger({ service: "search-bench" }, "warn");
  const service = await startSearchService({ ...env, PORTICO_NAMESPACE: namespace, LOG_LEVEL: "warn" });
  const nc = await connect({ servers: env.NATS_URL });
  const js = nc.jetstream();
  await ensureEventStream(await nc.jetstreamManager(), namespace, {
    duplicateWindowMs: env.EVENTS_DUPLICATE_WINDOW_MS,
    maxAgeMs: env.EVENTS_MAX_AGE_MS,
  });
  const samples: number[] = [];
  try {
    for (let i = 0; i < Number(values.events); i++) {
      const userId = owners[i % owners.length] ?? crypto.randomUUID();
      const name = `Renamed ${crypto.randomUUID().slice(0, 8)}`;
      const h = headers();
      const id = crypto.randomUUID();
      h.set(EVENT_ID_HEADER, id);
      const started = performance.now();
      await js.publish(
        eventSubject(namespace, userEvents.updated.subject),
        encodeJson({ userId, name, updatedAt: new Date().toISOString() }),
        { msgID: id, headers: h },
      );
      for (;;) {
        const found = await db
          .select({ id: schema.documents.id })
          .from(schema.documents)
          .where(
            and(
              eq(schema.documents.namespace, namespace),
              eq(schema.documents.id, userId),
              eq(schema.documents.title, name),
            ),
          );
        if (found.length > 0) break;
        await Bun.sleep(1);
      }
      samples.push(performance.now() - started);
    }
  } finally {
    await service.stop();
    await (await nc.jetstreamManager()).streams.delete(eventStreamName(namespace)).catch(() => undefined);
    await nc.close();
  }
  log.info("done");
  console.log(`\nfreshness, event published → searchable (${samples.length} events, one at a time)`);
  console.log(`median ${fmt(percentile(samples, 50))} ms   p99 ${fmt(percentile(samples, 99))} ms`);
}

try {
  for (const size of sizes) await latency(size);
  await freshness();
} finally {
  await db.delete(schema.documents).where(eq(schema.documents.namespace, namespace));
  await database.close();
}
