import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reencryptTokens } from '@tokens/core';
import { afterAll, expect, it } from 'vitest';
import { createFileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const temp = tempDir();
afterAll(temp.remove);

it('encrypts a plain journal in place; once the store closes, no plain value is left in the file', async () => {
  const path = join(temp.dir, 'migrate.tokens');
  const secrets = Array.from({ length: 100 }, (_, i) => `1000.plainrefresh.${i}.${randomBytes(12).toString('hex')}`);
  const plain = createFileStore({ path });
  for (const [i, refreshToken] of secrets.entries())
    await plain.saveToken({ userSignature: `u${i}`, refreshToken, accessToken: `at-${refreshToken}` });
  await plain.close();

  const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };
  const migrating = createFileStore({ path, encryption: { ...encryption, allowPlaintext: true } });
  expect(await reencryptTokens(migrating)).toMatchObject({ total: 100, rewritten: 100, failed: 0 });
  // Closing compacts the journal's dead entries, which held the plain values.
  await migrating.close();
  const bytes = readFileSync(path, 'utf8');
  expect(secrets.filter((secret) => bytes.includes(secret))).toEqual([]);

  const strict = createFileStore({ path, encryption });
  expect((await strict.findToken({ accessToken: `at-${secrets[3]}` }))?.userSignature).toBe('u3');
  await strict.close();
});
