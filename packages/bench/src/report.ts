import type { Latency } from './measure.js';

export interface LatencyRow {
  backend: string;
  n: number;
  operation: string;
  /** A server backend: CPU figures are the client's only, and round trips are counted. */
  server?: boolean;
  ours: Latency;
  raw?: Latency;
  /** Client→server bursts per operation through the counting proxy, one in flight (server backends). */
  roundTrips?: { ours: number; raw?: number };
}

export interface ThroughputRow {
  backend: string;
  n: number;
  operation: string;
  oursOps: number;
  rawOps?: number;
  /** Process CPU µs per operation meanwhile (the client's). */
  oursCpuUs?: number;
  rawCpuUs?: number;
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
const pair = (ours: string, raw: string | undefined) => `${ours} / ${raw ?? '—'}`;
const spread = (latency: Latency | undefined) => (latency ? `${us(latency.medianUs)} / ${us(latency.p99Us)}` : '—');
const trips = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));

/** One table per backend and size: the README's "Performance" tables. */
export function latencyTables(rows: LatencyRow[]): string[] {
  const lines: string[] = [];
  const groups = new Map<string, LatencyRow[]>();
  for (const row of rows) {
    const key = `${row.backend}\u0000${row.n}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const group of groups.values()) {
    const { backend, n, server } = group[0]!;
    const cpu = server ? 'CPU µs/op (client) ours / raw' : 'CPU µs/op (client + engine) ours / raw';
    lines.push(`### ${backend} · ${n.toLocaleString('en')} tokens`, '');
    lines.push(`| operation | ours median / p99 µs | raw median / p99 µs | ratio | ${cpu} | round trips ours / raw |`);
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of group) {
      const cpuUs = pair(us(row.ours.cpuUs), row.raw && us(row.raw.cpuUs));
      const roundTrips = row.roundTrips ? pair(trips(row.roundTrips.ours), row.raw && trips(row.roundTrips.raw)) : '—';
      lines.push(
        `| ${row.operation} | ${spread(row.ours)} | ${spread(row.raw)} | ${ratio(row.ours.medianUs, row.raw?.medianUs)} | ${cpuUs} | ${roundTrips} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

export function toMarkdown(results: BenchResults): string {
  const { machine } = results;
  const lines = [
    `# @tokens benchmark (${results.mode})`,
    '',
    `${results.date} · ${machine.cpus} × ${machine.cpuModel} · Node ${machine.node} · ${machine.platform}`,
    '',
    '## Latency, CPU and round trips per operation',
    '',
    '- **median / p99**: µs per operation, one in flight. **raw**: the bare driver doing the least work for the same result',
    '  (saves: a single-statement upsert; versioned save: a single-statement compare-and-set). **ratio**: ours / raw medians.',
    '- **CPU µs/op**: process CPU time (user + system) over the timed loop ÷ operations. For server backends that is the',
    '  client alone; for in-process ones (memory, file, sqlite) it includes the engine doing the storage work.',
    '- **round trips**: client→server bursts per operation counted by a TCP proxy on the wire (one operation in flight,',
    '  after a warm-up); — for in-process backends.',
    '',
    ...latencyTables(results.latency),
  ];
  if (results.throughput.length > 0) {
    lines.push('## Throughput with 32 operations in flight', '');
    lines.push(
      '| backend | N | operation | ours ops/s | raw ops/s | ours / raw | CPU µs/op (client) ours / raw |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
    );
    for (const row of results.throughput) {
      const cpuUs = row.oursCpuUs === undefined ? '—' : pair(us(row.oursCpuUs), row.rawCpuUs === undefined ? undefined : us(row.rawCpuUs));
      lines.push(
        `| ${row.backend} | ${row.n.toLocaleString('en')} | ${row.operation} | ${row.oursOps.toFixed(0)} | ${row.rawOps?.toFixed(0) ?? '—'} | ${row.rawOps ? (row.oursOps / row.rawOps).toFixed(2) : '—'} | ${cpuUs} |`,
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
