import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "./wrk.ts";

export interface ScenarioResult extends LoadResult {
  name: string;
  runs: LoadResult[];
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; model: string; memoryGb: number; bun: string };
  settings: { seconds: number; repeats: number; connections: number };
  scenarios: ScenarioResult[];
  ratios: Record<string, number>;
  memory: Record<string, { idleMb: number; peakMb: number }>;
  coldStartMs: number;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** The results as a Markdown table (also what the README carries). */
export function table(report: BenchReport): string {
  const rows = report.scenarios.map(
    (s) => `| ${s.name} | ${fmt(s.rps)} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ${s.errors} |`,
  );
  return [
    "| scenario | req/s | p50 ms | p99 ms | errors |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/** Machine facts for the report header. */
export function machine(): BenchReport["machine"] {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    bun: Bun.version,
  };
}

/** A small bar chart: throughput and p99 per scenario, side by side. */
export function chart(scenarios: ScenarioResult[]): string {
  const barH = 22;
  const gap = 10;
  const labelW = 300;
  const panelW = 260;
  const height = 40 + scenarios.length * (barH + gap);
  const maxRps = Math.max(1, ...scenarios.map((s) => s.rps));
  const maxP99 = Math.max(1, ...scenarios.filter((s) => Number.isFinite(s.p99)).map((s) => s.p99));
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
  const bars = scenarios.map((s, i) => {
    const y = 30 + i * (barH + gap);
    const rpsW = (s.rps / maxRps) * panelW;
    const p99W = Number.isFinite(s.p99) ? (s.p99 / maxP99) * panelW : 0;
    const x2 = labelW + panelW + 80;
    return [
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(s.name)}</text>`,
      `<rect x="${labelW}" y="${y}" width="${rpsW.toFixed(1)}" height="${barH}" fill="#3b82f6"/>`,
      `<text x="${(labelW + rpsW + 4).toFixed(1)}" y="${y + 15}">${fmt(s.rps)}</text>`,
      `<rect x="${x2}" y="${y}" width="${p99W.toFixed(1)}" height="${barH}" fill="#f97316"/>`,
      `<text x="${(x2 + p99W + 4).toFixed(1)}" y="${y + 15}">${fmt(s.p99, 1)} ms</text>`,
    ].join("");
  });
  const width = labelW + 2 * panelW + 160;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${labelW}" y="18" font-weight="bold">throughput (req/s)</text>
<text x="${labelW + panelW + 80}" y="18" font-weight="bold">p99 latency</text>
${bars.join("\n")}
</svg>
`;
}

/** Writes bench/results/latest.json and latest.svg. */
export function save(report: BenchReport): string {
  const dir = join(import.meta.dir, "..", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, "latest.svg"), chart(report.scenarios));
  return dir;
}
