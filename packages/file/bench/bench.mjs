// Latency of each operation at two store sizes, as a markdown table.
// Usage: node --expose-gc bench/bench.mjs [--quick]   (needs `npx tsdown` first)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore } from '../dist/index.mjs';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1_000, 10_000] : [1_000, 100_000];
const SAMPLES = quick ? 300 : 2_000;
const CLIENT = { clientId: '1000.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123', clientSecret: 'b'.repeat(42) };

const tokenFor = (i, round = 0) => ({
  userSignature: `user${i}@example.com`,
  ...CLIENT,
  redirectUrl: 'https://app.example.com/oauth/callback',
  refreshToken: `1000.${i.toString(16).padStart(32, '0')}.${'r'.repeat(32)}`,
  accessToken: `1000.${i.toString(16).padStart(32, '0')}.${round}.${'a'.repeat(30)}`,
  expiryTime: Date.now() + 3_600_000,
  apiDomain: 'https://www.zohoapis.com',
});

async function measure(run) {
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - started) / 1_000);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  return `${at(0.5)} / ${at(0.95)}`;
}

const pick = (n) => Math.floor(Math.random() * n);
const heap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

const rows = [];
for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-file-bench-'));
  const path = join(dir, 'tokens.journal');
  const store = createFileStore({ path });
  const fillStarted = performance.now();
  for (let i = 0; i < n; i++) await store.saveToken(tokenFor(i));
  const fillMs = performance.now() - fillStarted;
  const ids = (await store.getTokens()).map((token) => token.id);

  const before = heap();
  const reader = createFileStore({ path });
  const loadStarted = performance.now();
  await reader.findTokenById(ids[0]);
  const loadMs = performance.now() - loadStarted;
  const perToken = globalThis.gc ? Math.round((heap() - before) / n) : NaN;

  const result = {
    'findToken (user)': await measure(() => reader.findToken({ userSignature: `user${pick(n)}@example.com` })),
    'findToken (refresh token)': await measure(() => reader.findToken({ refreshToken: tokenFor(pick(n)).refreshToken, ...CLIENT })),
    findTokenById: await measure(() => reader.findTokenById(ids[pick(n)])),
    'saveToken (update)': await measure((i) =>
      reader.saveToken({ userSignature: `user${pick(n)}@example.com`, accessToken: `fresh-${i}-${Math.random()}` }),
    ),
    'saveToken (insert)': await measure((i) => reader.saveToken(tokenFor(n + i))),
  };
  rows.push({ n, result, size: statSync(path).size, fillMs, loadMs, perToken });
  await Promise.all([store.close(), reader.close()]);
  rmSync(dir, { recursive: true, force: true });
}

const ops = Object.keys(rows[0].result);
const line = (cells) => `| ${cells.join(' | ')} |`;
console.log(`@tokens/file, Node ${process.version}, ${SAMPLES} samples per cell, median / p95 in µs${quick ? ' (quick)' : ''}\n`);
console.log(line(['operation', ...rows.map((row) => `N = ${row.n.toLocaleString('en')}`)]));
console.log(line(['---', ...rows.map(() => '---:')]));
for (const op of ops) console.log(line([op, ...rows.map((row) => row.result[op])]));
console.log(line(['file size', ...rows.map((row) => `${(row.size / 1024 / 1024).toFixed(2)} MiB`)]));
console.log(line(['filling N tokens (ms)', ...rows.map((row) => row.fillMs.toFixed(0))]));
console.log(line(['opening: first read loads the file (ms)', ...rows.map((row) => row.loadMs.toFixed(1))]));
console.log(line(['memory per token (bytes, heap)', ...rows.map((row) => String(row.perToken))]));
