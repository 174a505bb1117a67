// Condenses two or more `pnpm bench` JSON results into the README's summary table:
// per backend, size and operation, the ours/raw median ratio and CPU ratio of each run, and the round trips.
// Usage: node scripts/bench-summary.mjs bench-results/a.json bench-results/b.json
import { readFileSync } from 'node:fs';

const runs = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')));
if (runs.length === 0) throw new Error('give one or more bench JSON files');
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const key = (row) => `${row.backend}|${row.n}|${row.operation}`;
const byRun = runs.map((run) => new Map(run.latency.filter((row) => row.raw).map((row) => [key(row), row])));
const lines = [
  `| backend | N | operation | ours / raw, median (${runs.map((_, i) => `run ${i + 1}`).join(' · ')}) | CPU ours / raw (${runs.map((_, i) => `run ${i + 1}`).join(' · ')}) | round trips ours / raw |`,
  '| --- | ---: | --- | ---: | ---: | ---: |',
];
for (const row of runs[0].latency.filter((r) => r.raw && r.operation !== 'getTokens')) {
  const rows = byRun.map((map) => map.get(key(row)));
  const ratio = rows.map((r) => (r ? fmt(r.ours.medianUs / r.raw.medianUs) : '—')).join(' · ');
  const cpu = rows.map((r) => (r ? fmt(r.ours.cpuUs / r.raw.cpuUs) : '—')).join(' · ');
  const trips = row.roundTrips ? `${fmt(row.roundTrips.ours)} / ${fmt(row.roundTrips.raw)}` : '—';
  lines.push(`| ${row.backend} | ${row.n.toLocaleString('en-US')} | ${row.operation} | ${ratio} | ${cpu} | ${trips} |`);
}
lines.push(
  '',
  `| backend | N | operation, 32 in flight | ours / raw, ops/s (${runs.map((_, i) => `run ${i + 1}`).join(' · ')}) |`,
  '| --- | ---: | --- | ---: |',
);
for (const row of runs[0].throughput) {
  const values = runs
    .map((run) => run.throughput.find((r) => key(r) === key(row)))
    .map((r) => (r?.rawOps ? fmt(r.oursOps / r.rawOps) : '—'));
  lines.push(`| ${row.backend} | ${row.n.toLocaleString('en-US')} | ${row.operation} | ${values.join(' · ')} |`);
}
console.log(lines.join('\n'));
