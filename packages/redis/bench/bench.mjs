// Latency of the store's operations next to one raw ioredis round trip on the same connection kind.
// Usage: node bench/bench.mjs [--quick]   (needs the built package: npx tsdown)
// Uses REDIS_URL when set, else starts a throwaway redis-server on a free port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createRedisStore, KeySpace } from '../dist/index.mjs';

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
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'tokens-redis-bench-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      break;
    } catch (error) {
      if (attempt > 200) {
        await stop();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      probe.disconnect();
    }
  }
  return { url, stop };
}

async function benchSize(url, n) {
  const namespace = `bench_${n}`;
  const store = createRedisStore({ url, namespace });
  await store.deleteTokens();
  const ids = [];
  for (let from = 0; from < n; from += 200) {
    const batch = Array.from({ length: Math.min(200, n - from) }, (_, i) => store.saveToken(token(from + i)));
    for (const saved of await Promise.all(batch)) ids.push(saved.id);
  }
  const raw = new Redis(url);
  await raw.set('bench:raw', 'x');
  const pick = (i) => (i * 7919) % n;
  const keys = new KeySpace(namespace);
  const rows = [
    ['raw ioredis GET (one round trip)', await measure(() => raw.get('bench:raw'))],
    ['raw ioredis HGETALL of a token hash', await measure((i) => raw.hgetall(keys.token(ids[pick(i)])))],
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
  raw.disconnect();
  return { rows, listMs, listed: all.length };
}

const server = await startServer();
try {
  console.log(`# @tokens/redis latency (µs; ${SAMPLES} samples after ${WARMUP} warm-up, Node ${process.version})\n`);
  for (const n of SIZES) {
    const { rows, listMs, listed } = await benchSize(server.url, n);
    console.log(`## ${n.toLocaleString('en')} tokens\n`);
    console.log('| operation | median | p95 |');
    console.log('| --- | ---: | ---: |');
    for (const [name, { median, p95 }] of rows) console.log(`| ${name} | ${median.toFixed(0)} | ${p95.toFixed(0)} |`);
    console.log(`\ngetTokens of ${listed.toLocaleString('en')} tokens: ${listMs.toFixed(0)} ms\n`);
  }
} finally {
  await server.stop();
}
