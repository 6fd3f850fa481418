// `bun run bench`: the load benchmarks of Portico, each scenario repeated and the median reported.
// Options: --seconds N (per run, default 8) --repeats N (default 3) --connections N (default 64)
// Needs wrk (apt-get install -y wrk); Postgres and NATS as for the tests; run `bun run db:migrate` first.
import { parseArgs } from "node:util";
import type { PorticoClient } from "@portico/client";
import { serviceDatabaseUrl } from "../test/support/env.ts";
import type { RunningProcess } from "../test/support/process.ts";
import { startProcess } from "../test/support/process.ts";
import { Stack, uniqueEmail } from "../test/support/stack.ts";
import { measureColdStart } from "./lib/coldStart.ts";
import { memoryOf } from "./lib/memory.ts";
import { type BenchReport, machine, type ScenarioResult, save, table } from "./lib/report.ts";
import { type LoadOptions, type LoadResult, median, requireWrk, runWrk } from "./lib/wrk.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    repeats: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const connections = Number(values.connections);
requireWrk();

// Limits far above what the load reaches: every request is still checked, none refused.
const generous = {
  RATE_LIMIT_AUTH: "100000000/1m",
  RATE_LIMIT_PUBLIC: "100000000/1m",
  RATE_LIMIT_USER: "100000000/1m",
};
const quiet = { LOG_LEVEL: "info", ...generous };

console.log(`cold start of \`bun run start\`…`);
const coldStartMs = await measureColdStart(3900 + (Date.now() % 90), 4);

await using stack = await Stack.start({ services: ["users", "payments", "notifications"], env: quiet });
const gatewayUrl = stack.url;
const client: PorticoClient = stack.client();
const users = await Promise.all(
  Array.from({ length: 16 }, () =>
    client.users.signUp.mutate({
      email: uniqueEmail("bench"),
      password: "bench-password",
      name: "Bench User",
    }),
  ),
);
const tokens = users.map((u) => u.accessToken);
const target = users[0]?.user.id ?? "";
const signIn = { email: users[0]?.user.email ?? "", password: "bench-password" };
const getPath = `/trpc/users.get?input=${encodeURIComponent(JSON.stringify({ id: target }))}`;

const bare = await stack.startGateway({ RATE_LIMIT_ENABLED: "false", GATEWAY_AUTH: "off" });
const bareUrl = stack.url;
stack.url = gatewayUrl;
// The monolith is the gateway (its NATS identity, for the rate-limit bucket) with users' handlers inside.
const monolith = await startProcess("monolith", "bench/monolith.ts", {
  ...stack.processEnvOf("gateway"),
  ...stack.keySet.usersEnv,
  DATABASE_URL: serviceDatabaseUrl("users"),
  PORT: "0",
  HOST: "127.0.0.1",
});
const monolithUrl = `http://127.0.0.1:${String(monolith.entry("ready")?.port)}`;

const processes = (): RunningProcess[] => [
  ...(stack.gateway ? [stack.gateway] : []),
  bare,
  monolith,
  ...[...stack.instances.values()].flat(),
];
const idle = Object.fromEntries(processes().map((p) => [`${p.name}:${p.pid}`, memoryOf(p.pid).rssMb]));

type Scenario = { name: string; load: () => LoadOptions };
const asUsers = (url: string, path: string): LoadOptions => ({
  url,
  connections,
  seconds,
  script: "users.lua",
  scriptArgs: [path, ...tokens],
});
const scenarios: Scenario[] = [
  { name: "users.get via gateway → NATS → users", load: () => asUsers(gatewayUrl, getPath) },
  { name: "users.get monolith (same code, no NATS)", load: () => asUsers(monolithUrl, getPath) },
  { name: "users.get via gateway, no auth/rate limit", load: () => asUsers(bareUrl, getPath) },
  { name: "me.overview (fan-out to 3 services)", load: () => asUsers(gatewayUrl, "/trpc/me.overview") },
  {
    name: "payments.charge (unique keys)",
    load: () => ({
      url: gatewayUrl,
      connections,
      seconds,
      script: "charge.lua",
      scriptArgs: [`b${Date.now()}`, ...tokens],
    }),
  },
];

async function measure(list: Scenario[]): Promise<ScenarioResult[]> {
  const runs = new Map<string, LoadResult[]>(list.map((s) => [s.name, []]));
  for (const s of list) await runWrk({ ...s.load(), seconds: 2 }); // warm-up
  // Interleaved, so a noisy moment on this shared machine hits every scenario alike.
  for (let r = 0; r < repeats; r++) {
    for (const s of list) {
      const result = await runWrk(s.load());
      runs.get(s.name)?.push(result);
      console.log(`  ${s.name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms`);
    }
  }
  return list.map((s) => {
    const all = runs.get(s.name) ?? [];
    return { name: s.name, ...median(all), runs: all };
  });
}

console.log(`load: wrk -t2 -c${connections}, ${seconds}s per run, ${repeats} runs each, median reported`);
const results = await measure(scenarios);

// Scale-out where the service is the bottleneck: sign-in spends its time verifying an argon2id hash.
const signInLoad = (): LoadOptions => ({
  url: `${gatewayUrl}/trpc/users.signIn`,
  connections,
  seconds,
  script: "signin.lua",
  scriptArgs: [signIn.email, signIn.password],
});
const [one] = await measure([{ name: "users.signIn, 1 users instance", load: signInLoad }]);
await stack.startService("users");
const [two] = await measure([{ name: "users.signIn, 2 users instances", load: signInLoad }]);
if (one && two) results.push(one, two);

const peak = Object.fromEntries(processes().map((p) => [`${p.name}:${p.pid}`, memoryOf(p.pid).peakMb]));
const memory = Object.fromEntries(
  Object.keys(peak).map((k) => [k, { idleMb: idle[k] ?? Number.NaN, peakMb: peak[k] ?? Number.NaN }]),
);
const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
const ratio = (a?: ScenarioResult, b?: ScenarioResult) =>
  a && b ? Math.round((a.rps / b.rps) * 100) / 100 : Number.NaN;
const service = byName("users.get via gateway →");
const mono = byName("users.get monolith");
const report: BenchReport = {
  date: new Date().toISOString(),
  machine: machine(),
  settings: { seconds, repeats, connections },
  scenarios: results,
  ratios: {
    servicePathVsMonolith: ratio(service, mono),
    servicePathP99VsMonolith: service && mono ? Math.round((service.p99 / mono.p99) * 100) / 100 : Number.NaN,
    withAuthVsWithout: ratio(service, byName("users.get via gateway, no auth")),
    twoInstancesVsOne: ratio(two, one),
  },
  memory,
  coldStartMs,
};
const dir = save(report);
await monolith.stop();

console.log(`\n${table(report)}\n`);
console.log("ratios:", report.ratios);
console.log("memory (MB):", memory);
console.log(`cold start (bun run start → all ready): ${coldStartMs} ms`);
console.log(
  `machine: ${report.machine.cpus} × ${report.machine.model}, ${report.machine.memoryGb} GB, bun ${report.machine.bun}`,
);
console.log(`written: ${dir}/latest.json, ${dir}/latest.svg`);
