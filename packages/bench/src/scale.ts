// `pnpm bench --scale [--scale-sizes 1000,100000,1000000] [--only memory,sqlite] [--quick]`: every
// backend seeded in bulk to each size, each (backend, size) in a child process of its own.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type ScaleResult, type ScaleResults, scaleMarkdown } from './scale-report.js';
import { scaleBackends } from './seed/backends.js';

const CHILD_TIMEOUT_MS = 30 * 60_000;

export async function runScale(argv: string[]): Promise<ScaleResults> {
  const quick = argv.includes('--quick');
  const sizes = (value(argv, '--scale-sizes') ?? (quick ? '1000,10000' : '1000,100000,1000000')).split(',').map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error('--scale-sizes: a comma-separated list of positive integers');
  const only = value(argv, '--only')?.split(',');
  const samples = quick ? ['600', '150'] : ['3000', '1000'];
  const started = performance.now();
  const all: ScaleResults = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'} · Node ${process.version}`,
    sizes,
    results: [],
    skipped: [],
    totalMs: 0,
  };
  for (const backend of scaleBackends) {
    if (only && !only.includes(backend.name)) continue;
    for (const n of sizes) {
      const childStarted = performance.now();
      let output: string;
      try {
        output = await child([backend.name, String(n), ...samples]);
      } catch (error) {
        // One backend failing (its log is above) still leaves the others' figures.
        all.skipped.push(`${backend.name} N=${n}: ${(error as Error).message}`);
        break;
      }
      const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as ScaleResult & { skipped?: string };
      if (result.skipped) {
        all.skipped.push(`${backend.name}: ${result.skipped}`);
        break;
      }
      result.wallMs = Math.round(performance.now() - childStarted);
      all.results.push(result);
    }
  }
  all.totalMs = Math.round(performance.now() - started);
  const markdown = scaleMarkdown(all);
  console.log(markdown);
  const outDir = join(import.meta.dirname, '..', '..', '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `scale-${quick ? 'quick' : 'full'}-${all.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
  return all;
}

/** Runs scale-child.ts with room for a million tokens in the heap; its stderr (progress) passes through. */
function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const script = join(import.meta.dirname, 'scale-child.ts');
    const proc = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`scale child ${args.slice(0, 2).join(' N=')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

function value(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

if (import.meta.filename === process.argv[1]) await runScale(process.argv);
