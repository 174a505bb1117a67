// `pnpm bench` (full, minutes) or `pnpm bench --quick` (seconds, run in CI as a smoke test).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { StoredToken, TokenStore } from '@tokens/core';
import { CLIENT, indexPicker, tokenAt } from './fixtures.js';
import { latency, throughput } from './measure.js';
import { type BenchResults, type LatencyRow, toMarkdown } from './report.js';
import type { Prepared, RawDriver, Subject } from './subject.js';
import { allSubjects } from './subjects.js';
import { refreshLatency } from './suites/refresh.js';
import { zohoComparisons } from './zoho-comparisons.js';

const quick = process.argv.includes('--quick');
const only = argValue('--only')?.split(',');
const settings = quick
  ? { sizes: [500], samples: 150, serverSamples: 100, throughputMs: 300 }
  : { sizes: [1_000, 100_000], samples: 3_000, serverSamples: 1_000, throughputMs: 3_000 };

const results: BenchResults = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
  mode: quick ? 'quick' : 'full',
  latency: [],
  throughput: [],
  zoho: [],
  memory: [],
  skipped: [],
};

for (const subject of await allSubjects()) {
  if (only && !only.includes(subject.backend)) continue;
  // --quick never measures more tokens than a subject's own largest size (moto's DynamoDB copies its table per transaction).
  const quickSizes = settings.sizes.map((size) => Math.min(size, ...(subject.sizes ?? [size])));
  for (const n of subject.sizes && !quick ? subject.sizes : quickSizes) {
    const prepared = await subject.open();
    if (typeof prepared === 'string') {
      results.skipped.push(`${subject.backend}: ${prepared}`);
      break;
    }
    try {
      log(`${subject.backend} N=${n}: seeding`);
      const ids = await seed(prepared, n);
      log(`${subject.backend} N=${n}: measuring`);
      results.latency.push(...(await measureLatency(subject, prepared, n, ids)));
      if (subject.server) results.throughput.push(await measureThroughput(subject, prepared, n));
    } finally {
      await prepared.close();
    }
  }
}

if (!only || only.includes('zoho'))
  results.zoho.push(...(await zohoComparisons({ quick, samples: quick ? 20 : 200, log, skipped: results.skipped })));

if (!only || only.includes('refresh')) {
  results.latency.push(...(await refreshLatency({ n: Math.min(...settings.sizes), samples: settings.samples, log })));
}

if (!only || only.includes('memory-use')) {
  for (const backend of ['memory', 'file']) {
    const n = quick ? 5_000 : 100_000;
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'rss.ts'), backend, String(n)],
      { encoding: 'utf8' },
    );
    results.memory.push(JSON.parse(output.trim().split('\n').pop() ?? '{}'));
  }
}

const markdown = toMarkdown(results);
console.log(markdown);
const outDir = join(import.meta.dirname, '..', '..', '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `bench-${results.mode}-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nJSON: ${file}`);
// The Zoho SDK's DBStore leaves its logger and connections open: don't wait for them.
process.exit(0);

async function seed(prepared: Prepared, n: number): Promise<string[]> {
  const tokens = Array.from({ length: n }, (_, i) => tokenAt(i));
  const ids: string[] = new Array(n);
  let next = 0;
  // 32 writers: fast on server backends, harmless on in-process ones.
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        ids[i] = (await prepared.store.saveToken(tokens[i] ?? {})).id;
      }
    }),
  );
  await prepared.raw?.seed(tokens);
  return ids;
}

async function measureLatency(subject: Subject, prepared: Prepared, n: number, ids: string[]): Promise<LatencyRow[]> {
  const { store, raw } = prepared;
  const pick = indexPicker(n);
  const samples = Math.min(subject.samples ?? Number.POSITIVE_INFINITY, subject.server ? settings.serverSamples : settings.samples);
  const run = `${Date.now().toString(36)}`;
  // Keys are computed up front so neither side of a ratio pays for building them.
  const users = Array.from({ length: n }, (_, i) => tokenAt(i).userSignature);
  const refreshTokens = Array.from({ length: n }, (_, i) => tokenAt(i).refreshToken);
  const base = tokenAt(0);
  const user = (i: number) => users[pick(i)] ?? '';
  const ops: Array<[string, (s: TokenStore) => (i: number) => unknown, ((r: RawDriver) => (i: number) => unknown) | null]> = [
    ['findToken by user', (s) => (i) => s.findToken({ userSignature: user(i) }), (r) => (i) => r.findByUser(user(i))],
    [
      'findToken by refresh token',
      (s) => (i) => s.findToken({ refreshToken: refreshTokens[pick(i)], ...CLIENT }),
      (r) => (i) => r.findByRefresh(refreshTokens[pick(i)] ?? ''),
    ],
    ['findTokenById', (s) => (i) => s.findTokenById(ids[pick(i)] ?? ''), (r) => (i) => r.findById(`raw-${pick(i)}`)],
    [
      'saveToken (update a user)',
      (s) => (i) => s.saveToken({ userSignature: user(i), accessToken: `1000.${run}.upd.${i}`, expiryTime: 1_900_000_000_000 + i }),
      (r) => (i) =>
        r.updateUser({
          ...base,
          userSignature: user(i),
          refreshToken: refreshTokens[pick(i)],
          accessToken: `1000.${run}.rawupd.${i}`,
          expiryTime: 1_900_000_000_000 + i,
        }),
    ],
    [
      'saveToken (insert a user)',
      (s) => (i) => s.saveToken(tokenAt(n + 10_000_000 + i, `ins${run}`)),
      (r) => (i) => r.insert(tokenAt(n + 20_000_000 + i, `rawins${run}`)),
    ],
  ];
  if (n <= 1_000) ops.push(['getTokens', (s) => () => s.getTokens(), (r) => () => r.list()]);
  const rows: LatencyRow[] = [];
  for (const [operation, ours, rawOp] of ops) {
    const count = operation === 'getTokens' ? Math.max(20, Math.floor(samples / 20)) : samples;
    const row: LatencyRow = { backend: subject.backend, n, operation, ours: await latency(ours(store), count) };
    if (raw && rawOp) row.raw = await latency(rawOp(raw), count);
    rows.push(row);
    log(`  ${operation}: ${row.ours.medianUs.toFixed(1)} µs${row.raw ? ` (raw ${row.raw.medianUs.toFixed(1)} µs)` : ''}`);
  }
  return rows;
}

async function measureThroughput(subject: Subject, prepared: Prepared, n: number) {
  const pick = indexPicker(n);
  const users = Array.from({ length: n }, (_, i) => tokenAt(i).userSignature);
  const user = (i: number) => users[pick(i)] ?? '';
  const oursOps = await throughput(
    (i) => prepared.store.findToken({ userSignature: user(i) }) as Promise<StoredToken | null>,
    32,
    settings.throughputMs,
  );
  const raw = prepared.raw;
  const rawOps = raw ? await throughput((i) => raw.findByUser(user(i)), 32, settings.throughputMs) : undefined;
  return { backend: subject.backend, n, operation: 'findToken by user', oursOps, rawOps };
}

function argValue(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
