import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { requireBuild, spawnFixture } from './children.js';
import { rawRecords, tempDir } from './helpers.js';

const temp = tempDir();
beforeAll(requireBuild);
afterAll(temp.remove);

/**
 * Spins until the file's last byte is not a newline: the kernel extends the size page by page
 * while it copies a write, so that is a write caught in the middle. Gives up after `ms`.
 */
function waitForWriteInProgress(path: string, ms: number): void {
  const last = Buffer.alloc(1);
  for (const until = Date.now() + ms; Date.now() < until; ) {
    const fd = openSync(path, 'r');
    try {
      const size = readSync(fd, last, 0, 1, Math.max(0, fileSize(fd) - 1));
      if (size === 1 && last[0] !== 0x0a) return;
    } finally {
      closeSync(fd);
    }
  }
}

function fileSize(fd: number): number {
  return fstatSync(fd).size;
}

test('SIGKILL at random moments never loses an acknowledged save nor corrupts the file', async () => {
  const path = join(temp.dir, 'crash.tokens');
  const acked = new Map<string, { version: number; tag: string }>();
  let tornTails = 0;
  let totalAcks = 0;
  for (let generation = 0; generation < 20; generation++) {
    const child = spawnFixture('crash-writer.mjs', [path, String(generation)]);
    const record = (line: string) => {
      const [, user, version, tag] = line.split(' ');
      acked.set(user!, { version: Number(version), tag: tag! });
      totalAcks++;
    };
    expect(await child.nextLine()).toBe('ready');
    // The first acknowledgement means the file is loaded: from here on the child is saving.
    const first = await child.nextLine();
    expect(first).toMatch(/^ack /);
    record(first!);
    await sleep(20 + Math.random() * 180);
    // Every other kill is aimed at a write in progress, so that torn multi-page writes happen.
    if (generation % 2) waitForWriteInProgress(path, 300);
    child.process.kill('SIGKILL');
    await child.exited;
    for (let line = await child.nextLine(); line !== null; line = await child.nextLine()) record(line);
    const bytes = readFileSync(path);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) tornTails++;

    const store = createFileStore({ path, namespace: 'crash' });
    for (const [user, last] of acked) {
      const found = await store.findToken({ userSignature: user });
      expect(found, `${user} survived generation ${generation}`).not.toBeNull();
      // At most one more save may have landed without its acknowledgement being printed.
      if (found!.version === last.version) expect(found!.accessToken!.startsWith(`${last.tag}:`)).toBe(true);
      else expect(found!.version).toBe(last.version + 1);
    }
    // Likewise the first save of one more user may have landed unacknowledged.
    const tokens = await store.getTokens();
    expect([acked.size, acked.size + 1]).toContain(tokens.length);
    await store.close();
    expect(rawRecords(path, 'crash').length).toBe(tokens.length);
    // What was read back counts as acknowledged from now on: it must never go back.
    for (const token of tokens) acked.set(token.userSignature!, { version: token.version, tag: token.accessToken!.split(':')[0]! });
  }
  console.log(`crash test: ${totalAcks} acknowledged saves, ${tornTails} of 20 kills left a torn tail`);
  expect(totalAcks).toBeGreaterThan(0);
  expect(tornTails, 'no kill tore a write: the test did not test what it is for').toBeGreaterThan(0);
}, 60_000);

test('a journal cut at any byte after its header reads as the complete lines before the cut, and the next save repairs it', async () => {
  const path = join(temp.dir, 'cut.tokens');
  const store = createFileStore({ path, namespace: 'cut' });
  for (let i = 0; i < 6; i++) {
    const big = 'x'.repeat(i % 2 ? 20_000 : 10);
    await store.saveToken({ userSignature: `u${i % 4}`, accessToken: `at${i}-${big}`, refreshToken: `rt${i}-${big}` });
  }
  await store.close();
  const whole = readFileSync(path);
  const headerEnd = whole.indexOf(0x0a) + 1;
  const copy = join(temp.dir, 'cut-copy.tokens');
  for (let n = 0; n < 30; n++) {
    const cut = headerEnd + Math.floor(Math.random() * (whole.length - headerEnd));
    writeFileSync(copy, whole.subarray(0, cut));
    const expected = rawRecords(copy, 'cut');
    const reader = createFileStore({ path: copy, namespace: 'cut' });
    const byId = (a: object, b: object) => String((a as { id: unknown }).id).localeCompare(String((b as { id: unknown }).id));
    expect((await reader.getTokens()).sort(byId)).toEqual(expected.sort(byId));
    await reader.saveToken({ userSignature: 'after-cut', accessToken: `repair-${n}` });
    expect(readFileSync(copy, 'utf8').endsWith('\n')).toBe(true);
    expect(rawRecords(copy, 'cut')).toHaveLength(expected.length + 1);
    await reader.close();
  }
});
