import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isTokenStoreError, type TokenStoreErrorCode } from '@tokens/core';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { openDatabase } from '../src/open.js';
import { KINDS, META_TABLE, SCHEMA_VERSION } from '../src/schema.js';
import { recordParams, statementSql } from '../src/statements.js';
import { Database, rawRows, tempDir } from './helpers.js';

const dir = tempDir();
const freshFile = () => join(dir, `${randomBytes(6).toString('hex')}.db`);
const EMPTY = {
  userSignature: null,
  clientId: null,
  clientSecret: null,
  redirectUrl: null,
  grantToken: null,
  refreshToken: null,
  accessToken: null,
  expiryTime: null,
  apiDomain: null,
};
const token = (user: string) => ({ userSignature: user, accessToken: `at-${user}`, refreshToken: `rt-${user}` });

function expectCode(run: () => unknown, code: TokenStoreErrorCode): Error {
  try {
    run();
  } catch (error) {
    expect(isTokenStoreError(error, code), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

describe('schema', () => {
  it('records the schema version of each table in the meta table', () => {
    const db = new Database(':memory:');
    createSqliteStore({ client: db, namespace: 'app_one' });
    expect(db.prepare(`SELECT table_name, version FROM ${META_TABLE}`).all()).toEqual([{ table_name: 'app_one', version: SCHEMA_VERSION }]);
    db.close();
  });

  it('refuses a table whose schema version is newer than the code knows', () => {
    const db = new Database(':memory:');
    createSqliteStore({ client: db, namespace: 'tokens' });
    db.prepare(`UPDATE ${META_TABLE} SET version = ? WHERE table_name = 'tokens'`).run(SCHEMA_VERSION + 1);
    const error = expectCode(() => createSqliteStore({ client: db }), 'INVALID_OPTIONS');
    expect(error.message).toMatch(/newer than this @tokens\/sqlite knows/);
    db.close();
  });

  it('refuses a same-named table it did not create, and leaves it alone', () => {
    const db = new Database(':memory:');
    db.exec("CREATE TABLE tokens (name TEXT); INSERT INTO tokens VALUES ('mine')");
    expectCode(() => createSqliteStore({ client: db }), 'INVALID_OPTIONS');
    expect(db.prepare('SELECT * FROM tokens').all()).toEqual([{ name: 'mine' }]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%tokens%'").all()).toEqual([{ name: 'tokens' }]);
    db.close();
  });

  it('two stores creating the same table at once end with one table', async () => {
    const file = freshFile();
    const stores = [createSqliteStore({ path: file }), createSqliteStore({ path: file })];
    await stores[0]!.saveToken(token('a'));
    expect(await stores[1]!.findToken({ userSignature: 'a' })).not.toBeNull();
    await Promise.all(stores.map((store) => store.close()));
  });
});

describe('queries', () => {
  const db = new Database(':memory:');
  createSqliteStore({ client: db, namespace: 'plan' });
  const sql = statementSql('plan');
  const sample = { id: 'x', version: 2, ...EMPTY, ...token('u') };

  it.each([...KINDS])('finding by %s key uses its unique index', (kind) => {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql.findBy[kind]}`).all('x') as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(
      new RegExp(`^SEARCH plan USING INDEX _tokens_plan_${kind} \\(${kind}_key=\\?\\)$`),
    );
  });

  it('an update sets only the key columns that changed, so unchanged index entries are left alone', () => {
    expect(sql.update([])).not.toMatch(/_key =/);
    expect(sql.update(['access'])).toMatch(/access_key = @accessKey/);
    expect(sql.update(['access'])).not.toMatch(/user_key|refresh_key|grant_key/);
  });

  it('finding by id, updating and deleting use the primary key', () => {
    const update = sql.update(['user', 'access', 'refresh', 'grant']);
    for (const text of [sql.getById, update, sql.delete]) {
      const params = text === update ? [{ ...recordParams(sample), expectedVersion: 1 }] : ['x'];
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[];
      const details = plan.map((step) => step.detail).join('\n');
      expect(details).toMatch(/USING (PRIMARY KEY|INDEX sqlite_autoindex_plan_1) \(id=\?\)/);
      expect(details).not.toMatch(/SCAN/);
    }
  });
});

describe('values', () => {
  it('matches users case-sensitively: Alice and alice are two tokens', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const upper = await store.saveToken(token('Alice'));
    const lower = await store.saveToken(token('alice'));
    expect(upper.id).not.toBe(lower.id);
    expect((await store.findToken({ userSignature: 'Alice' }))?.id).toBe(upper.id);
    expect((await store.findToken({ userSignature: 'alice' }))?.id).toBe(lower.id);
    expect(await store.findToken({ userSignature: 'ALICE' })).toBeNull();
    await store.close();
  });

  it('round-trips NUL characters, non-BMP unicode and 16 KiB values exactly', async () => {
    const db = new Database(':memory:');
    const store = createSqliteStore({ client: db });
    const odd = `a\u0000b\u0000😀𝄞\u{10FFFF}'"\n`;
    const big = `${'x'.repeat(16 * 1024 - 2)}😀`;
    const saved = await store.saveToken({ userSignature: odd, accessToken: big, refreshToken: odd, apiDomain: odd });
    const found = await store.findToken({ refreshToken: odd, clientId: 'c', clientSecret: 's' });
    expect(found).toEqual(saved);
    expect(found?.accessToken).toBe(big);
    expect(found?.userSignature).toBe(odd);
    expect(await store.findToken({ userSignature: 'a' })).toBeNull();
    const [row] = rawRows(db, 'tokens') as { user_signature: string }[];
    expect(row?.user_signature).toBe(odd);
    db.close();
  });
});

describe('options and lifecycle', () => {
  it('close() leaves a user-supplied Database open', async () => {
    const db = new Database(':memory:');
    const store = createSqliteStore({ client: db });
    await store.saveToken(token('u'));
    await store.close();
    expect(db.open).toBe(true);
    expect(rawRows(db, 'tokens')).toHaveLength(1);
    db.close();
  });

  it('close() closes a Database the store opened, so the file can be reopened and removed', async () => {
    const file = freshFile();
    const store = createSqliteStore({ path: file });
    await store.saveToken(token('u'));
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(rawRows(db, 'tokens')).toHaveLength(1);
    db.close();
  });

  it('opens the file in WAL mode with the busy timeout, synchronous NORMAL by default and FULL with fsync', () => {
    const normal = openDatabase(freshFile(), 1234, false);
    expect(normal.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(normal.pragma('synchronous', { simple: true })).toBe(1);
    normal.close();
    const full = openDatabase(freshFile(), 5000, true);
    expect(full.pragma('synchronous', { simple: true })).toBe(2);
    full.close();
  });

  it.each(['select', 'a', 'tokens_schema', 'order_by__', `n${'0'.repeat(47)}`])(
    'works with the odd but valid namespace %s',
    async (namespace) => {
      const db = new Database(':memory:');
      const store = createSqliteStore({ client: db, namespace });
      const saved = await store.saveToken(token('u'));
      expect((await store.findToken({ userSignature: 'u' }))?.id).toBe(saved.id);
      await store.deleteTokens();
      expect(await store.getTokens()).toEqual([]);
      db.close();
    },
  );

  it.each(['Tokens', '1abc', 'a-b', '', 'x'.repeat(49), 'sqlite_master'])('refuses the namespace %j with INVALID_OPTIONS', (namespace) => {
    expectCode(() => createSqliteStore({ path: ':memory:', namespace }), 'INVALID_OPTIONS');
  });

  it('refuses options without path or client, with both, or with pragmas for a client', () => {
    const db = new Database(':memory:');
    expectCode(() => createSqliteStore({}), 'INVALID_OPTIONS');
    expectCode(() => createSqliteStore({ path: ':memory:', client: db }), 'INVALID_OPTIONS');
    expectCode(() => createSqliteStore({ client: db, fsync: true }), 'INVALID_OPTIONS');
    expectCode(() => createSqliteStore({ path: ':memory:', busyTimeoutMs: -1 }), 'INVALID_OPTIONS');
    db.close();
  });

  it('reports a file that is not a database as CORRUPT', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = freshFile();
    writeFileSync(file, 'this is not a database, just some text that is long enough to have a header '.repeat(20));
    expectCode(() => createSqliteStore({ path: file }), 'CORRUPT');
  });

  it('reports a write lock held past the busy timeout as UNAVAILABLE', async () => {
    const file = freshFile();
    const store = createSqliteStore({ path: file, busyTimeoutMs: 50 });
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    const error = await store.saveToken(token('u')).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toBe('@tokens/sqlite: saveToken: database is locked (busy timeout exceeded)');
    locker.exec('ROLLBACK');
    await store.saveToken(token('u'));
    locker.close();
    await store.close();
  });
});
