import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reencryptTokens } from '@tokens/core';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, tempDir } from './helpers.js';

const fileBytes = (file: string) => [file, `${file}-wal`].map((path) => (existsSync(path) ? readFileSync(path, 'latin1') : '')).join('');

it('encrypts a plain SQLite store in place; after VACUUM and a truncating checkpoint no plain value is left in the files', async () => {
  const file = join(tempDir(), 'migrate.db');
  const secrets = Array.from({ length: 200 }, (_, i) => `1000.plainrefresh.${i}.${randomBytes(12).toString('hex')}`);
  const plain = createSqliteStore({ path: file });
  for (const [i, refreshToken] of secrets.entries())
    await plain.saveToken({ userSignature: `u${i}`, refreshToken, accessToken: `at-${refreshToken}` });
  await plain.close();

  const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };
  const migrating = createSqliteStore({ path: file, encryption: { ...encryption, allowPlaintext: true } });
  const result = await reencryptTokens(migrating, { batchSize: 50 });
  expect(result).toMatchObject({ total: 200, rewritten: 200, failed: 0 });
  await migrating.close();
  // The rows are encrypted, but the old row images are still in the WAL / free pages.
  expect(secrets.some((secret) => fileBytes(file).includes(secret))).toBe(true);

  // The operator step from the README.
  const db = new Database(file);
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = fileBytes(file);
  expect(secrets.filter((secret) => bytes.includes(secret))).toEqual([]);

  const strict = createSqliteStore({ path: file, encryption });
  expect((await strict.findToken({ refreshToken: secrets[7], clientId: 'c', clientSecret: 's' }))?.userSignature).toBe('u7');
  expect((await strict.getTokens()).length).toBe(200);
  await strict.close();
});
