import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenStore } from '@tokens/core';
import { createFileStore } from '@tokens/file';
import { createSqliteStore } from '@tokens/sqlite';
import { indexPicker, tokenAt } from './fixtures.js';
import { latency } from './measure.js';
import type { ComparisonRow } from './report.js';
import { ZohoToken, zohoFileStore } from './suites/zoho.js';

interface Options {
  quick: boolean;
  samples: number;
  log: (message: string) => void;
  skipped: string[];
}

/** findToken by user: @tokens beside the Zoho SDK's own stores, on the same data. */
export async function zohoComparisons({ quick, samples, log }: Options): Promise<ComparisonRow[]> {
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
  return rows;
}
