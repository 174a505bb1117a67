import type { Latency } from './measure.js';

export interface LatencyRow {
  backend: string;
  n: number;
  operation: string;
  ours: Latency;
  raw?: Latency;
}

export interface ThroughputRow {
  backend: string;
  n: number;
  operation: string;
  oursOps: number;
  rawOps?: number;
}

export interface ComparisonRow {
  what: string;
  n: number;
  oursUs: number;
  theirsUs: number;
}

export interface MemoryRow {
  backend: string;
  n: number;
  bytesPerToken: number;
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  mode: 'quick' | 'full';
  latency: LatencyRow[];
  throughput: ThroughputRow[];
  zoho: ComparisonRow[];
  memory: MemoryRow[];
  skipped: string[];
}

const us = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const ratio = (ours: number, raw: number | undefined) => (raw ? (ours / raw).toFixed(2) : '—');

export function toMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    `# @tokens benchmark (${results.mode})`,
    '',
    `${results.date} · ${machine.cpus} × ${machine.cpuModel} · Node ${machine.node} · ${machine.platform}`,
    '',
    '## Latency (µs per operation; raw = the bare driver doing the least work for the same result)',
    '',
    '| backend | N | operation | median | p95 | raw median | raw p95 | ours / raw |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of results.latency) {
    lines.push(
      `| ${row.backend} | ${row.n.toLocaleString('en')} | ${row.operation} | ${us(row.ours.medianUs)} | ${us(row.ours.p95Us)} | ${row.raw ? us(row.raw.medianUs) : '—'} | ${row.raw ? us(row.raw.p95Us) : '—'} | ${ratio(row.ours.medianUs, row.raw?.medianUs)} |`,
    );
  }
  if (results.throughput.length > 0) {
    lines.push('', '## Throughput with 32 operations in flight (operations per second)', '');
    lines.push('| backend | N | operation | ours | raw | ours / raw |', '| --- | ---: | --- | ---: | ---: | ---: |');
    for (const row of results.throughput) {
      lines.push(
        `| ${row.backend} | ${row.n.toLocaleString('en')} | ${row.operation} | ${row.oursOps.toFixed(0)} | ${row.rawOps?.toFixed(0) ?? '—'} | ${row.rawOps ? (row.oursOps / row.rawOps).toFixed(2) : '—'} |`,
      );
    }
  }
  if (results.zoho.length > 0) {
    lines.push('', '## Against the Zoho CRM SDK stores (findToken by user, median µs)', '');
    lines.push('| comparison | N | @tokens | Zoho | Zoho / @tokens |', '| --- | ---: | ---: | ---: | ---: |');
    for (const row of results.zoho) {
      lines.push(
        `| ${row.what} | ${row.n.toLocaleString('en')} | ${us(row.oursUs)} | ${us(row.theirsUs)} | ${(row.theirsUs / row.oursUs).toFixed(0)}× |`,
      );
    }
  }
  if (results.memory.length > 0) {
    lines.push('', '## Memory (RSS growth per stored token)', '', '| backend | N | bytes per token |', '| --- | ---: | ---: |');
    for (const row of results.memory) lines.push(`| ${row.backend} | ${row.n.toLocaleString('en')} | ${row.bytesPerToken.toFixed(0)} |`);
  }
  if (results.skipped.length > 0) lines.push('', ...results.skipped.map((reason) => `- skipped: ${reason}`));
  return lines.join('\n');
}
