import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, tempDir } from './helpers.js';

const ROUNDS = 20;
const CHILD = join(import.meta.dirname, 'crash-child.mjs');

/** Order of two "round.i" value ids. */
const compare = (a: string, b: string) => {
  const [ra, ia] = a.split('.').map(Number) as [number, number];
  const [rb, ib] = b.split('.').map(Number) as [number, number];
  return ra - rb || ia - ib;
};

it('every acknowledged save survives SIGKILL at 20 random moments, and the file stays intact', async () => {
  const file = join(tempDir(), 'crash.db');
  const acked = new Map<string, { value: string; saves: number }>();
  for (let round = 0; round < ROUNDS; round++) {
    const child = spawn(process.execPath, [CHILD, file, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = collectLines(child);
    await lines.first;
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 180));
    child.kill('SIGKILL');
    const exit = await lines.done;
    expect(exit.signal).toBe('SIGKILL');

    let last = '';
    for (const line of lines.all) {
      const [user, value] = line.split(' ') as [string, string];
      acked.set(user, { value, saves: (acked.get(user)?.saves ?? 0) + 1 });
      last = value;
    }
    // At most one save was in flight when the kill came: the one after the last acknowledged.
    const inFlight = `${round}.${Number(last.split('.')[1]) + 1}`;

    const check = new Database(file);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    const store = createSqliteStore({ path: file });
    for (const [user, expected] of acked) {
      const token = await store.findToken({ userSignature: user });
      const value = token?.accessToken?.split(':')[0] ?? 'missing';
      if (value === inFlight) {
        // Committed but killed before it was acknowledged: it counts as a save from now on.
        expected.value = value;
        expected.saves += 1;
      }
      expect(compare(value, expected.value), `round ${round}, ${user}`).toBe(0);
      expect(token?.refreshToken).toBe(`refresh-${expected.value}`);
      expect(token?.version, `round ${round}, ${user}: no save lost`).toBe(expected.saves);
    }
    expect((await store.getTokens()).length).toBe(acked.size);
    await store.close();
  }
}, 120_000);

function collectLines(child: ChildProcess) {
  const all: string[] = [];
  let buffered = '';
  let resolveFirst: () => void;
  const first = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    all.push(...parts);
    if (all.length > 0) resolveFirst();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      resolveFirst();
      resolve({ code, signal });
    });
  });
  return { all, first, done };
}
