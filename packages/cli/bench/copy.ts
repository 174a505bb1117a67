// The built `tokens copy` binary moving N tokens (TOKENS_BENCH_COPY_N, default 100,000) from a
// SQLite file into a throwaway MariaDB; prints wall time and throughput as a markdown table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb } from '@tokens/test-servers';
import { test } from 'vitest';
import { seedSqlite } from '../test/seed.js';

const count = Number(process.env.TOKENS_BENCH_COPY_N ?? 100_000);
const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));

test(`tokens copy: ${count} tokens, SQLite → MariaDB`, async () => {
  const server = await startMariaDb();
  if (!server) throw new Error('MariaDB is not installed: bash scripts/install-test-servers.sh');
  const dir = mkdtempSync(join(tmpdir(), 'tokens-cli-bench-'));
  try {
    const dbPath = join(dir, 'tokens.db');
    let started = performance.now();
    await seedSqlite(dbPath, count);
    const seeded = (performance.now() - started) / 1000;
    const target = `mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}`;
    const rows: string[][] = [];
    for (const [label, extra] of [
      ['first copy (every token new)', []],
      ['second copy (every token unchanged)', []],
      ['first copy, --no-verify', ['--no-verify', '--to-namespace', 'tokens_nv']],
    ] as const) {
      started = performance.now();
      const result = spawnSync(process.execPath, [cli, 'copy', `sqlite:${dbPath}`, target, ...extra], { encoding: 'utf8' });
      const seconds = (performance.now() - started) / 1000;
      if (result.status !== 0) throw new Error(`${label}: exit ${result.status}\n${result.stdout}\n${result.stderr}`);
      rows.push([label, count.toLocaleString('en-US'), seconds.toFixed(1), Math.round(count / seconds).toLocaleString('en-US')]);
      rows.push(['', '', '', '', result.stdout.trim().split('\n')[0] ?? '']);
    }
    const table = [
      `### tokens copy, SQLite → MariaDB (seeded in ${seeded.toFixed(1)} s; wall time of the CLI process, start-up and verification included)`,
      '',
      '| run | tokens | seconds | tokens/s | summary line |',
      '| --- | ---: | ---: | ---: | --- |',
      ...rows.filter((row) => row[0] !== '').map((row, i) => `| ${row.join(' | ')} | ${rows[i * 2 + 1]?.[4] ?? ''} |`),
    ].join('\n');
    process.stdout.write(`\n${table}\n\n`);
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
