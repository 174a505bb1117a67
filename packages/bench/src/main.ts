// `pnpm bench` (full, minutes) or `pnpm bench --quick` (seconds, run in CI as a smoke test).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runBackend } from './backend-run.js';
import { tokenAt } from './fixtures.js';
import { type BenchResults, toMarkdown } from './report.js';
import type { Prepared } from './subject.js';
import { allSubjects } from './subjects.js';
import { refreshLatency } from './suites/refresh.js';
import { zohoComparisons } from './zoho-comparisons.js';

// `--scale [--scale-sizes 1000,100000,1000000]`: the million-token suite instead (see scale.ts).
if (process.argv.includes('--scale')) {
  await (await import('./scale.js')).runScale(process.argv);
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const only = argValue('--only')?.split(',');
const settings = quick
  ? { sizes: [500], samples: 150, serverSamples: 100, throughputMs: 300, roundTripOps: 20, slowShare: 1 / 3 }
  : { sizes: [1_000, 100_000], samples: 3_000, serverSamples: 1_000, throughputMs: 3_000, roundTripOps: 200, slowShare: 1 };

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
  // `--only mysql` picks "mysql (MariaDB)": a backend's first word will do.
  if (only && !only.some((name) => subject.backend === name || subject.backend.startsWith(`${name} `))) continue;
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
      const measured = await runBackend(subject, prepared, n, ids, settings, log);
      results.latency.push(...measured.latency);
      results.throughput.push(...measured.throughput);
    } catch (error) {
      // The other backends' tables still print; the exit code still says it failed (CI).
      process.exitCode = 1;
      results.skipped.push(`${subject.backend} N=${n}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      log(`${subject.backend} N=${n}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
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
// The Zoho SDK's DBStore leaves its logger and connections open: don't wait for them (the exit
// code stays the one a failed backend set).
process.exit();

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

function argValue(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
