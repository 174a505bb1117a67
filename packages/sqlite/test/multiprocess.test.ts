import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'multiprocess-child.mjs');
const WORKERS = 4;
const USERS = 50;
const SAVES = 200;

it('4 processes saving 200 times each over 50 shared users: 50 records, no lost update', async () => {
  const file = join(tempDir(), 'shared.db');
  const children = Array.from({ length: WORKERS }, (_, worker) => {
    const child = spawn(process.execPath, [CHILD, file, String(worker), String(USERS), String(SAVES)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = once(child, 'close');
    const ready = (async () => {
      while (!output.startsWith('ready\n')) await once(child.stdout, 'data');
    })();
    return { child, ready, exited, output: () => output };
  });
  await Promise.all(children.map((worker) => worker.ready));
  for (const { child } of children) child.stdin.end('go\n');
  await Promise.all(children.map((worker) => worker.exited));

  const expected = new Map<string, number>();
  for (const worker of children) {
    expect(worker.child.exitCode, 'worker exit code').toBe(0);
    const counts = JSON.parse(worker.output().split('\n')[1]!) as Record<string, number>;
    for (const [user, count] of Object.entries(counts)) expected.set(user, (expected.get(user) ?? 0) + count);
  }
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
