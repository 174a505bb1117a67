// Latency of the store's operations next to one raw mysql2 `pool.execute` SELECT by an indexed column.
// Usage: node bench/bench.mjs [--quick]   (needs the built package: npx tsdown)
// Uses MYSQL_URL (mysql://user:pass@host:port/db) when set, else starts a throwaway MariaDB on a free port.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { createMysqlStore } from '../dist/index.mjs';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1_000] : [1_000, 50_000];
const SAMPLES = quick ? 500 : 5_000;
const WARMUP = quick ? 100 : 500;

const token = (n) => ({
  userSignature: `user${n}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: 'secret',
  refreshToken: `1000.refresh.${n}.${'r'.repeat(40)}`,
  accessToken: `1000.access.${n}.${'a'.repeat(40)}`,
  expiryTime: 1_700_000_000_000 + n,
  apiDomain: 'https://www.zohoapis.com',
});

async function measure(run) {
  for (let i = 0; i < WARMUP; i++) await run(i);
  const times = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const started = process.hrtime.bigint();
    await run(WARMUP + i);
    times[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  times.sort();
  return { median: times[Math.floor(SAMPLES / 2)], p95: times[Math.floor(SAMPLES * 0.95)] };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startServer() {
  if (process.env.MYSQL_URL) return { uri: process.env.MYSQL_URL, stop: async () => {} };
  const mariadbd = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find(existsSync) ?? 'mariadbd';
  const dir = mkdtempSync(join(tmpdir(), 'tokens-mysql-bench-'));
  const user = userInfo().username;
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${dir}/data`, `--user=${user}`, '--auth-root-authentication-method=normal'],
    {
      stdio: 'ignore',
    },
  );
  const port = await freePort();
  const child = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${dir}/sock`,
      `--user=${user}`,
      '--skip-name-resolve',
    ],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; ; attempt++) {
    try {
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      await connection.query('CREATE DATABASE IF NOT EXISTS bench');
      await connection.end();
      break;
    } catch (error) {
      if (attempt > 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return {
    uri: `mysql://root@127.0.0.1:${port}/bench`,
    stop: async () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function benchSize(uri, n) {
  const namespace = `bench_${n}`;
  const store = createMysqlStore({ uri, namespace });
  await store.deleteTokens();
  const ids = [];
  for (let from = 0; from < n; from += 200) {
    const batch = Array.from({ length: Math.min(200, n - from) }, (_, i) => store.saveToken(token(from + i)));
    for (const saved of await Promise.all(batch)) ids.push(saved.id);
  }
  const raw = mysql.createPool({ uri, connectionLimit: 1 });
  const stored = await store.findToken({ userSignature: token(0).userSignature });
  const [[{ key }]] = await raw.execute(`SELECT user_key AS \`key\` FROM \`${namespace}\` WHERE id = ?`, [stored.id]);
  const pick = (i) => (i * 7919) % n;
  const rows = [
    [
      'raw pool.execute SELECT by indexed column',
      await measure(() => raw.execute(`SELECT * FROM \`${namespace}\` WHERE user_key = ?`, [key])),
    ],
    ['findToken by user', await measure((i) => store.findToken({ userSignature: token(pick(i)).userSignature }))],
    [
      'findToken by refresh token',
      await measure((i) => store.findToken({ refreshToken: token(pick(i)).refreshToken, clientId: 'c', clientSecret: 's' })),
    ],
    ['findTokenById', await measure((i) => store.findTokenById(ids[pick(i)]))],
    [
      'saveToken (update by user)',
      await measure((i) => store.saveToken({ userSignature: token(pick(i)).userSignature, accessToken: `new-${i}` })),
    ],
  ];
  const started = performance.now();
  const all = await store.getTokens();
  const listMs = performance.now() - started;
  await store.deleteTokens();
  await store.close();
  await raw.end();
  return { rows, listMs, listed: all.length };
}

const server = await startServer();
try {
  console.log(`# @tokens/mysql latency (µs; ${SAMPLES} samples after ${WARMUP} warm-up, Node ${process.version})\n`);
  for (const n of SIZES) {
    const { rows, listMs, listed } = await benchSize(server.uri, n);
    console.log(`## ${n.toLocaleString('en')} tokens\n`);
    console.log('| operation | median | p95 |');
    console.log('| --- | ---: | ---: |');
    for (const [name, { median, p95 }] of rows) console.log(`| ${name} | ${median.toFixed(0)} | ${p95.toFixed(0)} |`);
    console.log(`\ngetTokens of ${listed.toLocaleString('en')} tokens: ${listMs.toFixed(0)} ms\n`);
  }
} finally {
  await server.stop();
}
