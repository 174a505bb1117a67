import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { rawRecords, tempDir } from './helpers.js';

const HEADER = '{"format":"@tokens/file","version":1}\n';
let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

const token = (n: number) => ({ userSignature: `user${n}@example.com`, accessToken: `secret-at-${n}`, refreshToken: `secret-rt-${n}` });

async function journalWithThreeTokens(): Promise<string> {
  const path = join(temp.dir, 'tokens.journal');
  const store = createFileStore({ path, namespace: 'app' });
  for (const n of [1, 2, 3]) await store.saveToken(token(n));
  await store.close();
  return path;
}

/** Every operation must fail with CORRUPT, naming the file (and line) but no content. */
async function expectEveryOperationCorrupt(store: TokenStore, path: string, line: number): Promise<void> {
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['findToken', () => store.findToken({ userSignature: 'user1@example.com' })],
    ['findTokenById', () => store.findTokenById('some-id')],
    ['saveToken', () => store.saveToken(token(9))],
    ['deleteToken', () => store.deleteToken('some-id')],
    ['getTokens', () => store.getTokens()],
    ['deleteTokens', () => store.deleteTokens()],
  ];
  for (const [name, run] of operations) {
    const error = await run().then(
      () => new Error(`${name} succeeded`),
      (caught: unknown) => caught,
    );
    expect(isTokenStoreError(error, 'CORRUPT'), `${name}: ${String(error)}`).toBe(true);
    const { message } = error as Error;
    expect(message).toContain(`: ${name}: `);
    expect(message).toContain(path);
    expect(message).toContain(`line ${line}`);
    expect(message).not.toMatch(/secret-|user1@/);
  }
}

const corruptions: Array<[string, (path: string) => Buffer, number]> = [
  ['a damaged line in the middle', (path) => damageLine(readFileSync(path), 2), 3],
  ['a line with the wrong structure', (path) => replaceLine(readFileSync(path), 2, '{"op":"put","ns":"app","token":{"id":7}}'), 3],
  ['an unknown operation', (path) => replaceLine(readFileSync(path), 1, '{"op":"drop","ns":"app"}'), 2],
  [
    'a key held by two tokens',
    (path) =>
      replaceLine(
        readFileSync(path),
        3,
        readFileSync(path, 'utf8')
          .split('\n')[1]!
          .replace(/"id":"[^"]+"/, '"id":"x"'),
      ),
    4,
  ],
  ['an invalid header', (path) => replaceLine(readFileSync(path), 0, '{"format":"something-else","version":1}'), 1],
  ['a newer format version', (path) => replaceLine(readFileSync(path), 0, '{"format":"@tokens/file","version":2}'), 1],
  ['a file truncated inside the header', () => Buffer.from(HEADER.slice(0, 20)), 1],
  ['a foreign JSON array', () => Buffer.from('[{"access_token":"secret-at-1"}]\n'), 1],
  ['a foreign JSON object without newline', () => Buffer.from('{"tokens":{"user1@example.com":"secret-at-1"}}'), 1],
  ['a CSV file', () => Buffer.from('user,access_token\nuser1@example.com,secret-at-1\n'), 1],
  ['random bytes', () => randomBytes(4096), 1],
  [
    'invalid UTF-8 in a line',
    (path) => replaceLine(readFileSync(path), 1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), 'latin1'),
    2,
  ],
];

describe('a corrupt or foreign file', () => {
  for (const [what, damage, line] of corruptions) {
    test(`${what}: every operation fails with CORRUPT and the file is left byte for byte, mode included`, async () => {
      const path = await journalWithThreeTokens();
      writeFileSync(path, damage(path));
      chmodSync(path, 0o640);
      const bytes = readFileSync(path);
      const store = createFileStore({ path, namespace: 'app' });
      await expectEveryOperationCorrupt(store, path, line);
      await store.close();
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o640);
      expect(readdirSync(temp.dir)).toEqual(['tokens.journal']);
    });
  }
});

describe('a torn tail (a write cut short by a crash)', () => {
  const fragment = '{"op":"put","ns":"app","token":{"id":"torn","version":1,"userSignature":"user9@exa';

  test('is ignored by readers: the records before it are intact', async () => {
    const path = await journalWithThreeTokens();
    appendFileSync(path, fragment);
    const store = createFileStore({ path, namespace: 'app' });
    expect((await store.getTokens()).map((t) => t.userSignature).sort()).toEqual([
      'user1@example.com',
      'user2@example.com',
      'user3@example.com',
    ]);
    expect(readFileSync(path, 'utf8').endsWith(fragment)).toBe(true);
    await store.close();
  });

  test('is cut off by the next save, which appends after the last complete line', async () => {
    const path = await journalWithThreeTokens();
    const reader = createFileStore({ path, namespace: 'app' });
    expect(await reader.getTokens()).toHaveLength(3);
    appendFileSync(path, fragment);
    expect(await reader.getTokens()).toHaveLength(3);
    const writer = createFileStore({ path, namespace: 'app' });
    await writer.saveToken(token(4));
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('user9@exa');
    expect(text.endsWith('\n')).toBe(true);
    expect(rawRecords(path, 'app')).toHaveLength(4);
    expect((await reader.findToken({ userSignature: 'user4@example.com' }))?.accessToken).toBe('secret-at-4');
    await Promise.all([reader.close(), writer.close()]);
  });
});

describe('creating the file', () => {
  test('a new file is created with mode 0600, header first', async () => {
    const path = join(temp.dir, 'new.journal');
    const store = createFileStore({ path });
    expect(await store.getTokens()).toEqual([]);
    await store.saveToken(token(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').startsWith(HEADER)).toBe(true);
    await store.close();
  });

  test('an empty (0-byte) file is initialised: there is nothing in it to lose', async () => {
    const path = join(temp.dir, 'empty.journal');
    writeFileSync(path, '', { mode: 0o644 });
    const store = createFileStore({ path });
    expect(await store.getTokens()).toEqual([]);
    await store.saveToken(token(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(rawRecords(path, 'tokens')).toHaveLength(1);
    await store.close();
  });

  test('reading a missing file creates nothing', async () => {
    const path = join(temp.dir, 'missing.journal');
    const store = createFileStore({ path });
    expect(await store.findToken({ userSignature: 'nobody' })).toBeNull();
    expect(readdirSync(temp.dir)).toEqual([]);
    await store.close();
  });
});

function lines(bytes: Buffer, encoding: BufferEncoding): string[] {
  return bytes.toString(encoding).split('\n');
}

function replaceLine(bytes: Buffer, index: number, text: string, encoding: BufferEncoding = 'utf8'): Buffer {
  const all = lines(bytes, encoding);
  all[index] = text;
  return Buffer.from(all.join('\n'), encoding);
}

/** Overwrites a few bytes inside a line, keeping its newline: what a bad sector or an editor does. */
function damageLine(bytes: Buffer, index: number): Buffer {
  const all = lines(bytes, 'utf8');
  const line = all[index]!;
  all[index] = `${line.slice(0, 20)}#@!${line.slice(23)}`;
  return Buffer.from(all.join('\n'), 'utf8');
}
