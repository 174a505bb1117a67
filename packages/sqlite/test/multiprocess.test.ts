import { join } from 'node:path';
import { runRacingSavers } from '@tokens/test-servers';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const OPEN_STORE = join(import.meta.dirname, 'fixtures', 'open-store.mjs');
const WORKERS = 4;
const USERS = 50;
const SAVES = 200;

it('4 processes saving 200 times each over 50 shared users: 50 records, no lost update', async () => {
  const file = join(tempDir(), 'shared.db');
  const storeOptions = { path: file };
  // One save in flight per process: several writers on one file.
  const expected = await runRacingSavers({ processes: WORKERS, module: OPEN_STORE, storeOptions, users: USERS, saves: SAVES, lanes: 1 });
  expect(expected.size).toBe(USERS);

  const store = createSqliteStore({ path: file });
  const tokens = await store.getTokens();
  expect(tokens).toHaveLength(USERS);
  expect(new Set(tokens.map((token) => token.userSignature)).size).toBe(USERS);
  for (const token of tokens) {
    expect(token.version, `saves of ${token.userSignature}`).toBe(expected.get(token.userSignature!));
  }
  await store.close();
}, 60_000);
