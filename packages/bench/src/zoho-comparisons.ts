import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import { createFileStore } from '@tokens/file';
import { createMysqlStore } from '@tokens/mysql';
import { createSqliteStore } from '@tokens/sqlite';
import { startMariaDb } from '@tokens/test-servers';
import { createPool } from 'mysql2/promise';
import { indexPicker, tokenAt } from './fixtures.js';
import { latency } from './measure.js';
import type { ComparisonRow } from './report.js';
import { ZOHO_DB_TABLE, ZohoToken, zohoDbRows, zohoDbStore, zohoFileStore } from './suites/zoho.js';

interface Options {
  quick: boolean;
  samples: number;
  log: (message: string) => void;
  skipped: string[];
}

/** findToken by user: @tokens beside the Zoho SDK's own stores, on the same data. */
export async function zohoComparisons({ quick, samples, log, skipped }: Options): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  const n = quick ? 1_000 : 10_000;
  log(`zoho FileStore N=${n}`);
  const zoho = zohoFileStore(n);
  const pick = indexPicker(n);
  const theirs = await latency((i) => zoho.store.findToken(ZohoToken.forUser(tokenAt(pick(i)).userSignature)), samples, 5);
  zoho.close();
  for (const [what, open] of [
    ['@tokens/file vs Zoho FileStore', (dir: string) => createFileStore({ path: join(dir, 'tokens.jsonl') })],
    ['@tokens/sqlite vs Zoho FileStore', (dir: string) => createSqliteStore({ path: join(dir, 'tokens.db') })],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-vs-'));
    const store: TokenStore = open(dir);
    for (let i = 0; i < n; i++) await store.saveToken(tokenAt(i));
    const ours = await latency((i) => store.findToken({ userSignature: tokenAt(pick(i)).userSignature }), samples * 10);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    rows.push({ what, n, oursUs: ours.medianUs, theirsUs: theirs.medianUs });
  }
  rows.push(...(await againstDbStore(quick ? [1_000] : [1_000, 100_000], samples, log, skipped)));
  return rows;
}

/** Zoho's DBStore (its documented table: no index; a new connection per call) and ours on one MariaDB. */
async function againstDbStore(
  sizes: number[],
  samples: number,
  log: (message: string) => void,
  skipped: string[],
): Promise<ComparisonRow[]> {
  const server = await startMariaDb();
  if (!server) {
    skipped.push('Zoho DBStore: MariaDB is not installed (bash scripts/install-test-servers.sh)');
    return [];
  }
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
  const pool = createPool(connection);
  const rows: ComparisonRow[] = [];
  try {
    for (const n of sizes) {
      log(`zoho DBStore N=${n}`);
      await pool.query('DROP TABLE IF EXISTS oauthtoken');
      await pool.query(ZOHO_DB_TABLE);
      const data = zohoDbRows(n);
      for (let i = 0; i < n; i += 5_000) await pool.query('INSERT INTO oauthtoken VALUES ?', [data.slice(i, i + 5_000)]);
      const zoho = zohoDbStore(connection);
      const pick = indexPicker(n);
      const theirs = await latency((i) => zoho.findToken(ZohoToken.forUser(tokenAt(pick(i)).userSignature)), Math.max(10, samples / 4), 3);
      const store = createMysqlStore({ ...connection, namespace: `bench_vs_zoho_${n}` });
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < n) await store.saveToken(tokenAt(next++));
        }),
      );
      const ours = await latency((i) => store.findToken({ userSignature: tokenAt(pick(i)).userSignature }), samples * 5);
      await store.close();
      rows.push({ what: '@tokens/mysql vs Zoho DBStore (MariaDB)', n, oursUs: ours.medianUs, theirsUs: theirs.medianUs });
    }
  } finally {
    await pool.end();
    await server.dispose();
  }
  return rows;
}
