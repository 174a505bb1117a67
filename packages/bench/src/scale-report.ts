import type { Footprint } from './seed/types.js';

/** Median and p95 in µs: the median over rounds of each round's figure (see scale-child.ts). */
export interface ScaleLatency {
  medianUs: number;
  p95Us: number;
  samples: number;
}

export interface ScaleRow {
  operation: string;
  ours: ScaleLatency;
  raw: ScaleLatency;
}

export interface ScaleResult {
  backend: string;
  n: number;
  seedMs: { ours: number; raw: number };
  footprint: Footprint[];
  timings: Record<string, number>;
  verified: { sampled: number; count: number; listed: boolean };
  rows: ScaleRow[];
  /** Wall time of the child process, seeding included. */
  wallMs?: number;
}

export interface ScaleResults {
  date: string;
  machine: string;
  sizes: number[];
  results: ScaleResult[];
  skipped: string[];
  totalMs: number;
}

/** The target: find latency's growth from the smallest to the largest size ≤ 1.5× the raw driver's growth. */
export const GROWTH_TARGET = 1.5;

const us = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const bytes = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1));
const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n));

export function scaleMarkdown(all: ScaleResults): string {
  const { results } = all;
  const lines = [
    `# @tokens scale benchmark (${all.sizes.map(size).join(' / ')} tokens)`,
    '',
    `${all.date} · ${all.machine} · total ${(all.totalMs / 60_000).toFixed(1)} min`,
    '',
    '## Latency (µs; median of 3 rounds, ours and raw taking turns; raw = the bare driver on its own copy of the data set)',
    '',
    '| backend | N | operation | median | p95 | raw median | raw p95 | ours / raw |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    for (const row of result.rows) {
      lines.push(
        `| ${result.backend} | ${size(result.n)} | ${row.operation} | ${us(row.ours.medianUs)} | ${us(row.ours.p95Us)} | ${us(row.raw.medianUs)} | ${us(row.raw.p95Us)} | ${(row.ours.medianUs / row.raw.medianUs).toFixed(2)} |`,
      );
    }
  }
  const smallest = Math.min(...all.sizes);
  const largest = Math.max(...all.sizes);
  if (largest > smallest) {
    lines.push(
      '',
      `## Find at ${size(largest)} relative to ${size(smallest)}, ours vs raw (target: ours' growth ≤ ${GROWTH_TARGET}× the raw driver's growth)`,
      '',
      `| backend | operation | ours ${size(smallest)} | ours ${size(largest)} | ours growth | raw ${size(smallest)} | raw ${size(largest)} | raw growth | ours growth / raw growth | target |`,
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const small of results.filter((result) => result.n === smallest)) {
      const large = results.find((result) => result.backend === small.backend && result.n === largest);
      if (!large) continue;
      for (const row of small.rows.filter((r) => r.operation.startsWith('find'))) {
        const big = large.rows.find((r) => r.operation === row.operation);
        if (!big) continue;
        const ours = big.ours.medianUs / row.ours.medianUs;
        const raw = big.raw.medianUs / row.raw.medianUs;
        const relative = ours / raw;
        lines.push(
          `| ${small.backend} | ${row.operation} | ${us(row.ours.medianUs)} | ${us(big.ours.medianUs)} | ${ours.toFixed(2)}× | ${us(row.raw.medianUs)} | ${us(big.raw.medianUs)} | ${raw.toFixed(2)}× | ${relative.toFixed(2)} | ${relative <= GROWTH_TARGET ? 'met' : 'MISSED'} |`,
        );
      }
    }
  }
  lines.push('', '## Bytes per token', '', '| backend | N | what | ours | raw |', '| --- | ---: | --- | ---: | ---: |');
  for (const result of results) {
    for (const figure of result.footprint) {
      lines.push(
        `| ${result.backend} | ${size(result.n)} | ${figure.what} | ${bytes(figure.ours)} | ${figure.raw === undefined ? '—' : bytes(figure.raw)} |`,
      );
    }
  }
  lines.push(
    '',
    '## Seeding and other times (ms)',
    '',
    '| backend | N | seed ours (bulk) | seed raw (bulk) | verified | other | wall |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: |',
  );
  for (const result of results) {
    const other = Object.entries(result.timings)
      .map(([what, ms]) => `${what}: ${ms} ms`)
      .join('; ');
    const verified = `${result.verified.sampled} × 3 lookups, count ${result.verified.count.toLocaleString('en')}${result.verified.listed ? ', getTokens' : ''}`;
    lines.push(
      `| ${result.backend} | ${size(result.n)} | ${result.seedMs.ours} | ${result.seedMs.raw} | ${verified} | ${other || '—'} | ${result.wallMs ?? '—'} |`,
    );
  }
  if (all.skipped.length > 0) lines.push('', ...all.skipped.map((reason) => `- skipped: ${reason}`));
  return lines.join('\n');
}
