import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { rawRecords, tempDir } from './helpers.js';

/** The documented bound for a small file (README, "Deleted and rotated secrets"), and a generous margin for a loaded machine. */
const BOUND_MS = 1000;
const MARGIN_MS = 4000;

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, 'tokens.journal');
});
afterEach(() => temp.remove());

/** Polls the raw bytes of the file until none of `secrets` is in them; returns how long that took. */
async function untilGone(secrets: string[], sinceMs: number): Promise<number> {
  for (;;) {
    const bytes = readFileSync(path);
    if (secrets.every((secret) => !bytes.includes(secret))) return Date.now() - sinceMs;
    if (Date.now() - sinceMs > BOUND_MS + MARGIN_MS) {
      const left = secrets.filter((secret) => bytes.includes(secret));
      throw new Error(`still in the file after ${Date.now() - sinceMs} ms: ${left.length} of the old secrets`);
    }
    await sleep(25);
  }
}

test('a rotated refresh token, a replaced access token and client secret leave the file within the bound', async () => {
  const store = createFileStore({ path });
  const saved = await store.saveToken({
    userSignature: 'ada@example.com',
    clientSecret: 'cs-OLD-7f3a',
    refreshToken: 'rt-OLD-91c2',
    accessToken: 'at-OLD-55d0',
  });
  await store.saveToken({ userSignature: 'ada@example.com', clientSecret: 'cs-new', refreshToken: 'rt-new', accessToken: 'at-new' });
  const rotatedAt = Date.now();
  expect(readFileSync(path, 'utf8'), 'the journal appends: the old secrets are there at first').toContain('rt-OLD-91c2');
  const took = await untilGone(['cs-OLD-7f3a', 'rt-OLD-91c2', 'at-OLD-55d0'], rotatedAt);
  console.log(`rotation: old secrets gone from the file after ${took} ms (bound ${BOUND_MS} ms)`);
  expect((await store.findTokenById(saved.id))?.refreshToken).toBe('rt-new');
  expect(rawRecords(path, 'tokens')).toMatchObject([{ id: saved.id, refreshToken: 'rt-new', version: 2 }]);
  await store.close();
}, 20_000);

test('deleteToken and deleteTokens leave no secret of the removed tokens in the file', async () => {
  const store = createFileStore({ path });
  const a = await store.saveToken({ userSignature: 'a@example.com', refreshToken: 'rt-A-secret', accessToken: 'at-A-secret' });
  await store.saveToken({ userSignature: 'b@example.com', refreshToken: 'rt-B-secret', grantToken: 'gt-B-secret' });
  await store.deleteToken(a.id);
  const took = await untilGone(['rt-A-secret', 'at-A-secret'], Date.now());
  expect(readFileSync(path, 'utf8')).toContain('rt-B-secret');
  await store.deleteTokens();
  const tookAll = await untilGone(['rt-B-secret', 'gt-B-secret'], Date.now());
  console.log(`delete: ${took} ms, deleteTokens: ${tookAll} ms (bound ${BOUND_MS} ms)`);
  expect(await store.getTokens()).toEqual([]);
  await store.close();
}, 20_000);

test('an update that keeps every secret (a new expiry) does not rewrite the file', async () => {
  const store = createFileStore({ path });
  await store.saveToken({ userSignature: 'a', refreshToken: 'rt', accessToken: 'at' });
  await store.saveToken({ userSignature: 'a', expiryTime: 1 });
  await sleep(BOUND_MS + 300);
  expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  await store.close();
}, 20_000);

test('close() removes stale secrets at once', async () => {
  const store = createFileStore({ path });
  await store.saveToken({ userSignature: 'a', refreshToken: 'rt-closing-old', accessToken: 'at' });
  await store.saveToken({ userSignature: 'a', refreshToken: 'rt-closing-new' });
  await store.close();
  const text = readFileSync(path, 'utf8');
  expect(text).not.toContain('rt-closing-old');
  expect(text).toContain('rt-closing-new');
});

test('stale secrets written by a process that died are removed by the next process that opens the file', async () => {
  const token = (version: number, refreshToken: string) => ({
    id: 't1',
    version,
    userSignature: 'a',
    clientId: null,
    clientSecret: null,
    redirectUrl: null,
    grantToken: null,
    refreshToken,
    accessToken: null,
    expiryTime: null,
    apiDomain: null,
  });
  const lines = [
    { format: '@tokens/file', version: 1 },
    { op: 'put', ns: 'other', token: token(1, 'rt-dead-writer-old') },
    { op: 'put', ns: 'other', token: token(2, 'rt-dead-writer-new') },
  ];
  writeFileSync(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600 });
  // A store of another namespace, which only reads: it still tidies the file it shares.
  const reader = createFileStore({ path });
  const openedAt = Date.now();
  expect(await reader.getTokens()).toEqual([]);
  await untilGone(['rt-dead-writer-old'], openedAt);
  expect(rawRecords(path, 'other')).toMatchObject([{ id: 't1', refreshToken: 'rt-dead-writer-new' }]);
  await reader.close();
}, 20_000);
