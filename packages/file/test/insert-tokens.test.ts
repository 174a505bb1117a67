import { randomBytes } from 'node:crypto';
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { insertTokens, type OAuthToken } from '@tokens/core';
import { describeInsertTokens } from '@tokens/test-servers';
import { afterAll, expect, it } from 'vitest';
import { createFileStore } from '../src/index.js';
import { acquireLock } from '../src/lock.js';
import { rawRecords, tempDir } from './helpers.js';

const temp = tempDir();
afterAll(temp.remove);
// One file: the two-instance case opens two stores (two lock contenders) on one namespace.
const path = join(temp.dir, 'tokens.jsonl');
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeInsertTokens({ name: 'file (one lock hold and one write per batch)', open: (namespace) => createFileStore({ path, namespace }) });
describeInsertTokens({ name: 'file (encrypted)', open: (namespace) => createFileStore({ path, namespace, encryption }) });

const tokens = (prefix: string, count: number): OAuthToken[] =>
  Array.from({ length: count }, (_, i) => ({ userSignature: `${prefix}-${i}@example.com`, accessToken: `${prefix}-at-${i}` }));

/** The lock file names each acquisition in this process with a counter: how many so far. */
async function lockAcquisitions(file: string): Promise<number> {
  const release = await acquireLock(`${file}.lock`, 1000);
  try {
    const { id } = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { id: string };
    return Number.parseInt(id.slice(12), 16);
  } finally {
    release();
  }
}

it('a batch of 300 takes the file lock once', async () => {
  const file = join(temp.dir, 'once.jsonl');
  const store = createFileStore({ path: file });
  await store.saveToken({ userSignature: 'first@example.com', accessToken: 'first' });
  const before = await lockAcquisitions(file);
  expect((await insertTokens(store, tokens('a', 300))).every((result) => result !== null)).toBe(true);
  // One for the batch, one for this count (inserted one by one it would be 301).
  expect((await lockAcquisitions(file)) - before).toBe(2);
  expect(rawRecords(file, 'tokens')).toHaveLength(301);
  await store.close();
});

it('a batch cut off by a crash keeps a prefix of whole records; inserting it again adds only the rest', async () => {
  const file = join(temp.dir, 'torn.jsonl');
  const batch = tokens('t', 50);
  const store = createFileStore({ path: file });
  await insertTokens(store, batch);
  await store.close();
  // Cut the file inside the 30th record's line, as a kill during the write would.
  const text = readFileSync(file, 'utf8');
  let cut = 0;
  for (let line = 0; line < 30; line++) cut = text.indexOf('\n', cut) + 1;
  truncateSync(file, Buffer.byteLength(text.slice(0, cut + 20)));

  const reopened = createFileStore({ path: file });
  expect(await reopened.getTokens()).toHaveLength(29);
  const again = await insertTokens(reopened, batch);
  expect(again.map((result) => result !== null)).toEqual(batch.map((_, i) => i >= 29));
  expect(rawRecords(file, 'tokens')).toHaveLength(50);
  expect(new Set(rawRecords(file, 'tokens').map((token) => token.userSignature)).size).toBe(50);
  await reopened.close();
});
