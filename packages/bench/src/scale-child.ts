// One backend at one size, in a process of its own (node --expose-gc): a clean heap for the memory
// figures, and nothing of the previous size left in caches. Prints one JSON line (a ScaleResult).
import type { StoredToken, TokenStore } from '@tokens/core';
import { CLIENT, indexPicker, tokenAt } from './fixtures.js';
import { type Latency, latency } from './measure.js';
import type { ScaleLatency, ScaleResult, ScaleRow } from './scale-report.js';
import { scaleBackends } from './seed/backends.js';
import { recordAt } from './seed/records.js';
import type { ScalePrepared, ScaleRaw } from './seed/types.js';

const [name = 'memory', size = '1000', sampleArg = '3000', serverSampleArg = '1000'] = process.argv.slice(2);
const n = Number(size);
const backend = scaleBackends.find((candidate) => candidate.name === name);
if (!backend) throw new Error(`unknown backend ${name}`);
const log = (message: string) => process.stderr.write(`[scale] ${name} N=${n.toLocaleString('en')}: ${message}\n`);
const server = name === 'mysql' || name === 'redis';
const samples = Number(server ? serverSampleArg : sampleArg);
/** Ours and raw take turns, so a burst of load from the rest of the machine hits both sides alike. */
const ROUNDS = 3;

log('seeding');
const prepared = await backend.prepare(n, log);
if (typeof prepared === 'string') {
  console.log(JSON.stringify({ backend: name, n, skipped: prepared }));
  process.exit(0);
}
try {
  log(`seeded in ${prepared.seedMs.ours} ms (raw ${prepared.seedMs.raw} ms); verifying`);
  const verified = await verify(prepared);
  log('measuring');
  const rows = await measure(prepared.store, prepared.raw, prepared.ids);
  const timings = { ...prepared.timings, ...(await prepared.finish?.()) };
  const result: ScaleResult = { backend: name, n, seedMs: prepared.seedMs, footprint: prepared.footprint, timings, verified, rows };
  console.log(JSON.stringify(result));
} finally {
  await prepared.close();
}
process.exit(0);

/** A pseudo-random sample of the seeded tokens, found through the store by user, refresh token and id; the count. */
async function verify({ store, ids, rawCount }: ScalePrepared): Promise<ScaleResult['verified']> {
  const sample = Math.min(n, 300);
  const pick = indexPicker(n);
  for (let s = 0; s < sample; s++) {
    const i = s === 0 ? n - 1 : pick(s * 7919 + 13);
    const expected = recordAt(i, ids[i]);
    const token = tokenAt(i);
    check(await store.findToken({ userSignature: token.userSignature }), expected, i, 'user');
    check(await store.findToken({ refreshToken: token.refreshToken, ...CLIENT }), expected, i, 'refresh token');
    check(await store.findTokenById(expected.id), expected, i, 'id');
  }
  const count = await rawCount();
  if (count !== n) throw new Error(`verify: the store holds ${count} records, expected ${n}`);
  // Listing a million tokens would only measure the listing: getTokens only at small sizes.
  if (n <= 1_000) {
    const listed = (await store.getTokens()).length;
    if (listed !== n) throw new Error(`verify: getTokens returned ${listed} tokens, expected ${n}`);
  }
  return { sampled: sample, count, listed: n <= 1_000 };
}

function check(found: StoredToken | null, expected: StoredToken, i: number, by: string): void {
  if (!found) throw new Error(`verify: token ${i} not found by ${by}`);
  for (const field of Object.keys(expected) as (keyof StoredToken)[]) {
    // Field names only: the values are (fake) secrets.
    if (found[field] !== expected[field]) throw new Error(`verify: token ${i} found by ${by} has another ${field}`);
  }
}

async function measure(store: TokenStore, raw: ScaleRaw, ids: string[]): Promise<ScaleRow[]> {
  const pick = indexPicker(n);
  const users: string[] = new Array(n);
  const refreshTokens: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const token = tokenAt(i);
    users[i] = token.userSignature;
    refreshTokens[i] = token.refreshToken;
  }
  const run = Date.now().toString(36);
  // One counter per operation and side across rounds: every insert is a new user, every update a new value.
  const counting = (op: (k: number) => unknown) => {
    let k = 0;
    return () => op(k++);
  };
  const ops: Array<[string, () => unknown, () => unknown]> = [
    [
      'find by user',
      counting((k) => store.findToken({ userSignature: users[pick(k)] })),
      counting((k) => raw.findByUser(users[pick(k)] ?? '')),
    ],
    [
      'find by refresh token',
      counting((k) => store.findToken({ refreshToken: refreshTokens[pick(k)], ...CLIENT })),
      counting((k) => raw.findByRefresh(refreshTokens[pick(k)] ?? '')),
    ],
    ['find by id', counting((k) => store.findTokenById(ids[pick(k)] ?? '')), counting((k) => raw.findById(pick(k)))],
    [
      'save (update a user)',
      counting((k) =>
        store.saveToken({ userSignature: users[pick(k)], accessToken: `1000.${run}.upd.${k}`, expiryTime: 1_950_000_000_000 + k }),
      ),
      counting((k) =>
        raw.updateUser(pick(k), {
          userSignature: users[pick(k)] ?? '',
          accessToken: `1000.${run}.rawupd.${k}`,
          expiryTime: 1_950_000_000_000 + k,
        }),
      ),
    ],
    [
      'save (insert a user)',
      counting((k) => store.saveToken(tokenAt(n + 10_000_000 + k, `ins${run}`))),
      counting((k) => raw.insert(tokenAt(n + 20_000_000 + k, `rawins${run}`))),
    ],
  ];
  const rows: ScaleRow[] = [];
  const perRound = Math.max(20, Math.ceil(samples / ROUNDS));
  for (const [operation, ours, rawOp] of ops) {
    const oursRounds: Latency[] = [];
    const rawRounds: Latency[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      oursRounds.push(await latency(ours, perRound));
      rawRounds.push(await latency(rawOp, perRound));
    }
    const row = { operation, ours: medianOf(oursRounds), raw: medianOf(rawRounds) };
    rows.push(row);
    log(`${operation}: ${row.ours.medianUs.toFixed(1)} µs (raw ${row.raw.medianUs.toFixed(1)} µs)`);
  }
  return rows;
}

/** The median of the rounds' medians (and of their p95s): one disturbed round does not move it. */
function medianOf(rounds: Latency[]): ScaleLatency {
  const middle = <T>(values: T[]) => values[Math.floor(values.length / 2)] as T;
  return {
    medianUs: middle(rounds.map((r) => r.medianUs).sort((a, b) => a - b)),
    p95Us: middle(rounds.map((r) => r.p95Us).sort((a, b) => a - b)),
    samples: rounds.reduce((total, r) => total + r.samples, 0),
  };
}
