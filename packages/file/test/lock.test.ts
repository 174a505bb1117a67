import { spawn } from 'node:child_process';
import { existsSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isTokenStoreError } from '@tokens/core';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, 'tokens.journal');
});
afterEach(() => temp.remove());

const token = { userSignature: 'locked@example.com', accessToken: 'secret-at' };

function writeLock(holder: Record<string, unknown>): void {
  writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), boot: null, start: null, id: 'i', ...holder }));
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function withLiveProcess(run: (pid: number) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)']);
  try {
    await run(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

test('a lock left by a dead process is taken over', async () => {
  writeLock({ pid: await deadPid() });
  const store = createFileStore({ path, lockTimeoutMs: 2_000 });
  expect((await store.saveToken(token)).version).toBe(1);
  expect(existsSync(`${path}.lock`)).toBe(false);
  expect(readdirSync(temp.dir)).toEqual(['tokens.journal']);
  await store.close();
});

const linux = existsSync('/proc/self/stat');

test.runIf(linux)('a lock left by an earlier process with our pid (pid 1 of a restarted container) is taken over', async () => {
  writeLock({ pid: process.pid, start: '1' });
  const store = createFileStore({ path, lockTimeoutMs: 2_000 });
  expect((await store.saveToken(token)).version).toBe(1);
  await store.close();
});

test.runIf(linux)('a lock written before the last reboot is taken over, even if its pid is alive now', async () => {
  await withLiveProcess(async (pid) => {
    writeLock({ pid, boot: 'a-boot-before-this-one' });
    const store = createFileStore({ path, lockTimeoutMs: 2_000 });
    expect((await store.saveToken(token)).version).toBe(1);
    await store.close();
  });
});

test('a lock held by a live process makes a save wait until it is released', async () => {
  await withLiveProcess(async (pid) => {
    writeLock({ pid });
    const store = createFileStore({ path });
    const started = Date.now();
    setTimeout(() => unlinkSync(`${path}.lock`), 300);
    expect((await store.saveToken(token)).version).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await store.close();
  });
});

test('a lock held by a live process times out with UNAVAILABLE after lockTimeoutMs; reads do not wait', async () => {
  await withLiveProcess(async (pid) => {
    const store = createFileStore({ path, lockTimeoutMs: 200 });
    await store.saveToken(token);
    writeLock({ pid });
    const started = Date.now();
    const error = await store.saveToken({ ...token, accessToken: 'secret-2' }).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/timed out after 200 ms waiting for the lock/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await store.findToken({ userSignature: token.userSignature }))?.accessToken).toBe('secret-at');
    await store.close();
  });
});

test('a lock of another host is never taken over (its pids mean nothing here)', async () => {
  writeLock({ pid: await deadPid(), host: 'some-other-host' });
  const store = createFileStore({ path, lockTimeoutMs: 100 });
  const error = await store.saveToken(token).catch((caught: unknown) => caught);
  expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
  expect((error as Error).message).toContain('some-other-host');
  await store.close();
});

test('two stores in one process take turns on the lock and agree', async () => {
  const [a, b] = [createFileStore({ path }), createFileStore({ path })];
  await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).saveToken({ userSignature: `u${i % 5}`, accessToken: `at${i}` })));
  const [fromA, fromB] = [await a.getTokens(), await b.getTokens()];
  expect(fromA).toHaveLength(5);
  expect(fromA.map((t) => t.version).sort()).toEqual([8, 8, 8, 8, 8]);
  expect(fromB).toEqual(expect.arrayContaining(fromA));
  await Promise.all([a.close(), b.close()]);
});

test('a dead lock whose takeover is held by a live process is waited for, within lockTimeoutMs', async () => {
  await withLiveProcess(async (pid) => {
    writeLock({ pid: await deadPid() });
    writeFileSync(`${path}.lock.takeover`, JSON.stringify({ host: hostname(), boot: null, start: null, id: 'g', pid }));
    const store = createFileStore({ path, lockTimeoutMs: 200 });
    const error = await store.saveToken(token).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    await store.close();
  });
});
