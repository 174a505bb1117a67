import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { rawRecords, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, 'tokens.journal');
});
afterEach(() => temp.remove());

test('a save appends one line instead of rewriting the file', async () => {
  const store = createFileStore({ path });
  const saved = await store.saveToken({ userSignature: 'a', accessToken: 'at1' });
  const before = statSync(path);
  await store.saveToken({ userSignature: 'a', accessToken: 'at2' });
  const after = statSync(path);
  expect(after.ino).toBe(before.ino);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(3);
  expect(JSON.parse(lines[2]!)).toMatchObject({ op: 'put', ns: 'tokens', token: { id: saved.id, version: 2, accessToken: 'at2' } });
  await store.close();
});

test('compaction shrinks a journal of mostly overwritten records, other stores follow it, leftovers of dead processes go', async () => {
  const writer = createFileStore({ path, namespace: 'app' });
  const follower = createFileStore({ path, namespace: 'app' });
  const neighbour = createFileStore({ path, namespace: 'other' });
  await neighbour.saveToken({ userSignature: 'n', accessToken: 'kept' });
  expect(await follower.getTokens()).toEqual([]);
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  const leftovers = [join(temp.dir, `.tokens.journal.${deadPid}.0a1b2c.tmp`), join(temp.dir, `tokens.journal.lock.${deadPid}.0a1b2c`)];
  for (const leftover of leftovers) writeFileSync(leftover, '{}');
  const inode = statSync(path).ino;
  const big = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 100; i++) await writer.saveToken({ userSignature: `u${i % 3}`, accessToken: `at${i}-${big}` });
  const size = statSync(path).size;
  expect(size).toBeLessThan(1024 * 1024 + 20 * 1024);
  expect(statSync(path).ino).not.toBe(inode);
  for (const leftover of leftovers) expect(existsSync(leftover), 'temp files of dead processes are removed').toBe(false);
  expect(rawRecords(path, 'app')).toHaveLength(3);
  for (let i = 0; i < 3; i++) {
    const found = await follower.findToken({ userSignature: `u${i}` });
    expect(found?.version).toBe(i === 0 ? 34 : 33);
  }
  expect((await neighbour.getTokens())[0]?.accessToken).toBe('kept');
  await Promise.all([writer.close(), follower.close(), neighbour.close()]);
});

test('one file holds several namespaces; deleteTokens clears only its own', async () => {
  const [a, b] = [createFileStore({ path, namespace: 'a' }), createFileStore({ path, namespace: 'b' })];
  await a.saveToken({ userSignature: 'same', accessToken: 'at-a' });
  await b.saveToken({ userSignature: 'same', accessToken: 'at-b' });
  await a.deleteTokens();
  expect(await a.getTokens()).toEqual([]);
  expect((await b.findToken({ userSignature: 'same' }))?.accessToken).toBe('at-b');
  expect(rawRecords(path, 'b')).toHaveLength(1);
  expect(readFileSync(path, 'utf8')).toContain('{"op":"clear","ns":"a"}');
  await Promise.all([a.close(), b.close()]);
});
