import type { ServiceName, SystemHealth } from "@portico/contracts";
import type { ServiceTraffic } from "../observability/callStats.ts";
import type { BreakerState } from "../resilience/breaker.ts";

/** What the status page shows of one service. */
export interface ServiceRow {
  name: ServiceName;
  health: SystemHealth["services"][ServiceName];
  breaker: BreakerState;
  traffic: ServiceTraffic;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const num = (v: number | null, digits = 1, unit = "") => (v === null ? "–" : `${v.toFixed(digits)}${unit}`);

function row(r: ServiceRow): string {
  const { health, traffic } = r;
  const cells = [
    `<th scope="row">${escapeHtml(r.name)}</th>`,
    `<td class="status ${health.status}" data-field="status">${health.status}</td>`,
    `<td data-field="instances">${health.instances}</td>`,
    `<td data-field="breaker" class="breaker ${r.breaker}">${r.breaker}</td>`,
    `<td data-field="rate">${num(traffic.rate, 2, "/s")}</td>`,
    `<td data-field="errorRate">${traffic.errorRate === null ? "–" : `${(traffic.errorRate * 100).toFixed(1)}%`}</td>`,
    `<td data-field="p50">${num(traffic.p50Ms, 1, " ms")}</td>`,
    `<td data-field="p99">${num(traffic.p99Ms, 1, " ms")}</td>`,
  ];
  return `<tr data-service="${escapeHtml(r.name)}">${cells.join("")}</tr>`;
}

/** The operator's status page: server-rendered HTML that reloads itself every `refreshSeconds`. */
export function renderStatusPage(opts: {
  overall: SystemHealth["status"];
  rows: ServiceRow[];
  refreshSeconds: number;
  namespace: string;
  generatedAt: Date;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${opts.refreshSeconds}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico status: ${opts.overall}</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; } h1 span { padding: 0 .4em; border-radius: 4px; }
  table { border-collapse: collapse; min-width: 44rem; }
  th, td { padding: .45rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
  td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
  .ok { background: #d9f5dd; } .degraded, .half-open { background: #fff1c2; } .down, .open { background: #ffd6d6; }
  footer { margin-top: 1rem; color: #666; font-size: .85rem; }
</style>
</head>
<body>
<h1>Portico <span id="overall" class="${opts.overall}">${opts.overall}</span></h1>
<table>
<thead><tr><th>service</th><th>health</th><th>instances</th><th>breaker</th><th>requests</th><th>errors</th><th>p50</th><th>p99</th></tr></thead>
<tbody>
${opts.rows.map(row).join("\n")}
</tbody>
</table>
<footer>Namespace ${escapeHtml(opts.namespace)} · traffic is this gateway's calls over the last minute · generated ${opts.generatedAt.toISOString()} · refreshes every ${opts.refreshSeconds} s</footer>
</body>
</html>`;
}
