import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { insertTokens, isTokenStoreError, type StoredToken } from '@tokens/core';
import { describeInsertTokens } from '@tokens/test-servers';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { SqliteBackend } from '../src/sqlite-backend.js';
import { Database, rawRows, tempDir } from './helpers.js';

// One file: the two-instance case opens two connections on one table.
const path = join(tempDir(), 'tokens.db');
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeInsertTokens({ name: 'sqlite (one transaction per batch)', open: (namespace) => createSqliteStore({ path, namespace }) });
describeInsertTokens({
  name: 'sqlite (encrypted)',
  open: (namespace) => createSqliteStore({ path, namespace, encryption }),
});

const record = (n: number, extra: Partial<StoredToken> = {}): StoredToken => ({
  id: `id-${n}`,
  version: 1,
  userSignature: `u${n}@example.com`,
  clientId: null,
  clientSecret: null,
  redirectUrl: null,
  grantToken: null,
  refreshToken: `refresh-${n}`,
  accessToken: `access-${n}`,
  expiryTime: null,
  apiDomain: null,
  ...extra,
});

it('a duplicate inside the batch fails only its own row: the transaction goes on and commits the others', () => {
  const db = new Database(':memory:');
  const backend = new SqliteBackend(db);
  backend.insert(record(0));
  expect(backend.insertMany([record(1), record(2, { accessToken: 'access-0' }), record(3)])).toEqual(['inserted', 'duplicate', 'inserted']);
  expect(db.inTransaction).toBe(false);
  expect(rawRows(db, 'tokens')).toHaveLength(3);
  db.close();
});

it('the batch is one transaction: an error that is not a duplicate rolls back the rows before it', () => {
  const db = new Database(':memory:');
  const backend = new SqliteBackend(db);
  // The STRICT table refuses a string in an INTEGER column: a constraint error that is not unique.
  const bad = record(2, { expiryTime: 'soon' as unknown as number });
  expect(() => backend.insertMany([record(1), bad, record(3)])).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_DATATYPE' }));
  expect(db.inTransaction).toBe(false);
  expect(rawRows(db, 'tokens')).toEqual([]);
  db.close();
});

it('a batch waits for another connection holding the write lock, then fails with UNAVAILABLE and writes nothing', async () => {
  const file = join(tempDir(), 'busy.db');
  const store = createSqliteStore({ path: file, busyTimeoutMs: 50 });
  await store.saveToken({ userSignature: 'first@example.com', accessToken: 'first' });
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  try {
    const error = await insertTokens(store, [{ userSignature: 'a@example.com', accessToken: 'a' }]).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  expect((await store.getTokens()).map((token) => token.userSignature)).toEqual(['first@example.com']);
  expect((await insertTokens(store, [{ userSignature: 'a@example.com', accessToken: 'a' }]))[0]?.version).toBe(1);
  await store.close();
});
