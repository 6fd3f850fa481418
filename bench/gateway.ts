// Throughput cost of the gateway's auth check and shared rate limiting, measured in one run:
// the same procedure (users.me) through three gateways of one stack that differ only in those knobs.
// Usage: bun bench/gateway.ts [seconds per round = 5] [concurrency = 32] [rounds = 2]
import { Stack, uniqueEmail } from "../test/support/stack.ts";

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 2);

interface Variant {
  name: string;
  env: Record<string, string>;
  url: string;
  latencies: number[];
  ok: number;
  failed: number;
  elapsedMs: number;
}

const setups: Array<Pick<Variant, "name" | "env">> = [
  { name: "auth + rate limit (default)", env: {} },
  { name: "auth, no rate limit", env: { RATE_LIMIT_ENABLED: "false" } },
  { name: "neither (service still verifies)", env: { RATE_LIMIT_ENABLED: "false", GATEWAY_AUTH: "off" } },
];
const variants: Variant[] = setups.map((v) => ({
  ...v,
  url: "",
  latencies: [],
  ok: 0,
  failed: 0,
  elapsedMs: 0,
}));

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

await using stack = await Stack.start({
  services: ["users"],
  // Limits high enough never to refuse: the bench measures the cost of checking, not of refusing.
  env: { RATE_LIMIT_USER: "100000000/60s", RATE_LIMIT_AUTH: "100000/60s" },
});
for (const variant of variants) {
  await stack.startGateway(variant.env);
  variant.url = stack.url;
}

// One user per connection, as real clients are (one user's hot bucket would measure contention instead).
const tokens: string[] = [];
const client = stack.client();
for (let i = 0; i < concurrency; i += 1) {
  const session = await client.users.signUp.mutate({
    email: uniqueEmail("bench"),
    password: "bench-password",
    name: "Bench",
  });
  tokens.push(session.accessToken);
}

async function drive(variant: Variant): Promise<void> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token) => {
      const headers = { authorization: `Bearer ${token}` };
      while (performance.now() < until) {
        const t0 = performance.now();
        const res = await fetch(`${variant.url}/trpc/users.me`, { headers });
        await res.arrayBuffer();
        if (res.ok) {
          variant.ok += 1;
          variant.latencies.push(performance.now() - t0);
        } else variant.failed += 1;
      }
    }),
  );
  variant.elapsedMs += performance.now() - started;
}

for (const variant of variants) await drive({ ...variant, latencies: [], ok: 0, failed: 0, elapsedMs: 0 }); // warm-up
for (let round = 0; round < rounds; round += 1) for (const variant of variants) await drive(variant);

console.log(
  `users.me through the gateway, ${concurrency} connections, ${rounds}×${seconds}s per variant (interleaved)`,
);
console.log("| variant | req/s | p50 ms | p99 ms | failed | rate-limit fallbacks |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const v of variants) {
  const sorted = v.latencies.sort((a, b) => a - b);
  const rps = (v.ok / v.elapsedMs) * 1000;
  const fallbacks = await metric(v.url, "gateway_rate_limit_fallback_total");
  console.log(
    `| ${v.name} | ${rps.toFixed(0)} | ${quantile(sorted, 0.5).toFixed(1)} | ${quantile(sorted, 0.99).toFixed(1)} | ${v.failed} | ${fallbacks} |`,
  );
}
