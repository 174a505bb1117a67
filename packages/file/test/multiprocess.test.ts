import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireBuild, spawnFixture } from './children.js';
import { rawRecords, tempDir } from './helpers.js';

const temp = tempDir();
beforeAll(requireBuild);
afterAll(temp.remove);

const WORKERS = 4;
const USERS = 50;
const ROUNDS = 4; // each worker saves each user 4 times: 200 saves per worker

test('four processes saving overlapping users lose and duplicate nothing, and see each other', async () => {
  const path = join(temp.dir, 'shared.tokens');
  const workers = Array.from({ length: WORKERS }, (_, w) => spawnFixture('worker.mjs', [path, String(w), String(USERS), String(ROUNDS)]));
  for (const worker of workers) expect(await worker.nextLine()).toBe('ready');
  for (const worker of workers) worker.process.stdin!.write('go\n');
  const seen = await Promise.all(workers.map((worker) => worker.nextLine()));

  // Deterministic part: once all are done, each process must see the same, complete state.
  for (const worker of workers) worker.process.stdin!.write('check\n');
  const views = await Promise.all(workers.map(async (worker) => JSON.parse((await worker.nextLine())!)));
  await Promise.all(workers.map((worker) => worker.exited));

  for (const view of views as Array<Array<{ user: string; version: number; accessToken: string }>>) {
    expect(view.map((token) => token.user).sort()).toEqual(Array.from({ length: USERS }, (_, i) => `u${i}`).sort());
    for (const token of view) expect(token.version, `${token.user}: every save counted`).toBe(WORKERS * ROUNDS);
    expect(view).toEqual(views[0]);
  }
  // Along the way, every process found tokens last written by another one.
  for (const line of seen) expect(Number(line?.split(' ')[1])).toBeGreaterThan(0);

  const raw = rawRecords(path, 'multi');
  expect(raw).toHaveLength(USERS);
  expect(new Set(raw.map((token) => token.userSignature)).size).toBe(USERS);
}, 60_000);

test('worker threads of one process (one pid) take turns on the lock instead of stealing it', async () => {
  const path = join(temp.dir, 'threads.tokens');
  const [threads, users, rounds] = [4, 10, 40];
  const url = new URL('./fixtures/thread-worker.mjs', import.meta.url);
  await Promise.all(
    Array.from({ length: threads }, (_, thread) => {
      const worker = new Worker(url, { workerData: { path, thread, users, rounds } });
      return new Promise((resolve, reject) => {
        worker.on('message', resolve);
        worker.on('error', reject);
      });
    }),
  );
  const raw = rawRecords(path, 'threads');
  expect(raw).toHaveLength(users);
  for (const token of raw) expect(token.version).toBe(threads * rounds);
}, 60_000);
