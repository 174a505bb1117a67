import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenRefresher, type TokenStore } from '@tokens/core';
import { createMemoryStore } from '@tokens/memory';
import { createSqliteStore } from '@tokens/sqlite';
import { indexPicker, tokenAt } from '../fixtures.js';
import { type Latency, latency } from '../measure.js';
import type { LatencyRow } from '../report.js';

/**
 * The refresher's hot path: `getAccessToken` on a valid token ("ours") against a plain
 * `findToken` on the same store ("raw"), so "ours / raw" is what the refresher adds (target ≤ 1.1).
 * In-process stores show the overhead at its largest; a server's round trip would hide it.
 */
export async function refreshLatency(options: { n: number; samples: number; log: (message: string) => void }): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-refresh-'));
  try {
    const targets: Array<[string, () => TokenStore]> = [
      ['memory', () => createMemoryStore()],
      ['sqlite', () => createSqliteStore({ path: join(dir, 'tokens.db') })],
    ];
    for (const [backend, open] of targets) {
      const store = open();
      try {
        rows.push(await measure(`${backend} (refresher)`, store, options));
      } finally {
        await store.close();
      }
      const row = rows.at(-1);
      if (row?.raw) options.log(`  ${row.backend}: ${row.ours.medianUs.toFixed(2)} µs vs findToken ${row.raw.medianUs.toFixed(2)} µs`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function measure(backend: string, store: TokenStore, options: { n: number; samples: number }): Promise<LatencyRow> {
  for (let i = 0; i < options.n; i++) await store.saveToken(tokenAt(i));
  const refresher = createTokenRefresher(store, {
    refresh: () => Promise.reject(new Error('the bench tokens are valid: no refresh expected')),
  });
  const pick = indexPicker(options.n);
  const users = Array.from({ length: options.n }, (_, i) => tokenAt(i).userSignature);
  const find = (i: number) => store.findToken({ userSignature: users[pick(i)] ?? '' });
  const get = (i: number) => refresher.getAccessToken({ userSignature: users[pick(i)] ?? '' });
  // Alternate the two (ABBAAB), and keep each one's best run: less noise from a shared machine.
  const runs: Latency[][] = [[], []];
  for (let round = 0; round < 3; round++) {
    const order: Array<[number, (i: number) => Promise<unknown>]> =
      round % 2 === 0
        ? [
            [0, get],
            [1, find],
          ]
        : [
            [1, find],
            [0, get],
          ];
    for (const [slot, op] of order) runs[slot]!.push(await latency(op, options.samples));
  }
  const best = (list: Latency[]) => list.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
  return { backend, n: options.n, operation: 'getAccessToken, valid token (raw: findToken)', ours: best(runs[0]!), raw: best(runs[1]!) };
}
