// Latency of the store's operations next to the least the driver can do for the same job.
// Usage: node bench/bench.mjs [--quick]   (needs the built package: npx tsdown)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashKey } from '@tokens/core';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../dist/index.mjs';

const quick = process.argv.includes('--quick');
const SIZES = [1_000, 100_000];
const SAMPLES = quick ? 300 : 5_000;
const WARMUP = quick ? 50 : 500;

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

async function benchSize(n) {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-'));
  const path = join(dir, 'bench.db');
  const store = createSqliteStore({ path });
  await store.saveToken(token(0)); // creates the table
  const db = new Database(path);
  db.pragma('synchronous = NORMAL');
  // Fill through the driver in one transaction: the store's insert path is measured below.
  const fill = db.prepare(
    'INSERT INTO tokens (id, version, user_signature, client_id, client_secret, refresh_token, access_token, expiry_time, api_domain, user_key, refresh_key, access_key) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const ids = [(await store.getTokens())[0].id];
  db.transaction(() => {
    for (let i = 1; i < n; i++) {
      const t = token(i);
      const id = randomUUID();
      ids.push(id);
      fill.run(
        id,
        t.userSignature,
        t.clientId,
        t.clientSecret,
        t.refreshToken,
        t.accessToken,
        t.expiryTime,
        t.apiDomain,
        hashKey(t.userSignature),
        hashKey(t.refreshToken),
        hashKey(t.accessToken),
      );
    }
  })();
  const pick = (i) => (i * 7919) % n;
  const rawByKey = (column) => db.prepare(`SELECT * FROM tokens WHERE ${column} = ?`);
  const byUser = rawByKey('user_key');
  const byRefresh = rawByKey('refresh_key');
  const byId = rawByKey('id');
  const upsert = db.prepare(
    `INSERT INTO tokens (id, version, user_signature, access_token, access_key, user_key) VALUES (@id, 1, @user, @access, @accessKey, @userKey)
     ON CONFLICT (id) DO UPDATE SET version = version + 1, access_token = excluded.access_token, access_key = excluded.access_key`,
  );
  const userKeys = Array.from({ length: n }, (_, i) => hashKey(token(i).userSignature));
  const refreshKeys = Array.from({ length: n }, (_, i) => hashKey(token(i).refreshToken));

  const rows = [];
  const row = async (operation, storeRun, rawRun) => {
    const ours = await measure(storeRun);
    const raw = await measure(rawRun);
    rows.push({ operation, n, ours, raw });
  };
  await row(
    'findToken by user',
    (i) => store.findToken({ userSignature: token(pick(i)).userSignature }),
    (i) => byUser.get(userKeys[pick(i)]),
  );
  await row(
    'findToken by refresh token',
    (i) => store.findToken({ refreshToken: token(pick(i)).refreshToken, clientId: 'c', clientSecret: 's' }),
    (i) => byRefresh.get(refreshKeys[pick(i)]),
  );
  await row(
    'findTokenById',
    (i) => store.findTokenById(ids[pick(i)]),
    (i) => byId.get(ids[pick(i)]),
  );
  let stamp = 0;
  await row(
    'saveToken (update)',
    (i) => store.saveToken({ userSignature: token(pick(i)).userSignature, accessToken: `new-access-${stamp++}` }),
    (i) =>
      upsert.run({
        id: ids[pick(i)],
        user: null,
        userKey: null,
        access: `raw-access-${stamp}`,
        accessKey: hashKey(`raw-access-${stamp++}`),
      }),
  );
  await row(
    'saveToken (insert)',
    (i) => store.saveToken(token(n + i)),
    (i) => {
      const user = `raw${i}@example.com`;
      return upsert.run({ id: randomUUID(), user, userKey: hashKey(user), access: `raw-new-${i}`, accessKey: hashKey(`raw-new-${i}`) });
    },
  );
  db.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

const fmt = (us) => us.toFixed(1);
console.log(
  `## @tokens/sqlite, ${quick ? 'quick' : 'full'} run: ${SAMPLES} samples per cell, µs per operation (file on ${tmpdir()}, WAL, synchronous=NORMAL)\n`,
);
console.log('| operation | N | store median | store p95 | raw driver median | raw driver p95 | ratio (median) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const n of SIZES) {
  for (const { operation, ours, raw } of await benchSize(n)) {
    console.log(
      `| ${operation} | ${n.toLocaleString('en')} | ${fmt(ours.median)} | ${fmt(ours.p95)} | ${fmt(raw.median)} | ${fmt(raw.p95)} | ${(ours.median / raw.median).toFixed(1)}× |`,
    );
  }
}
console.log(
  '\nRaw driver: one prepared SELECT by the indexed column with the key hash precomputed (lookups), one prepared UPSERT on the id (saves). The store also validates, hashes the key, reads the current record before a save and copies the result.',
);
