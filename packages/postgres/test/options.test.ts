import { inspect } from 'node:util';
import { isTokenStoreError } from '@tokens/core';
import { startPostgres } from '@tokens/test-servers';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStoreOptions } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace, rawClient, waitForLockWait } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

const invalid = (options: unknown) => {
  try {
    createPostgresStore(options as PostgresStoreOptions);
  } catch (error) {
    return isTokenStoreError(error, 'INVALID_OPTIONS') ? 'INVALID_OPTIONS' : String(error);
  }
  return 'accepted';
};

describe('postgres options', () => {
  it('rejects bad namespaces, schemas, timeouts, urls and clients with INVALID_OPTIONS', () => {
    const base = { database: 'db' };
    for (const options of [
      { ...base, namespace: 'Bad-Name' },
      { ...base, namespace: '_tokens_schema' },
      { ...base, schema: '' },
      { ...base, schema: 'a"; DROP TABLE x; --' },
      { ...base, schema: 'pg_catalog' },
      { ...base, schema: 'x'.repeat(64) },
      { ...base, schema: 42 },
      { ...base, operationTimeoutMs: 0 },
      { ...base, connectTimeoutMs: -1 },
      { ...base, poolSize: 1.5 },
      { ...base, port: 70_000 },
      { url: 'mysql://u:p@h/db' },
      { url: 'not a url' },
      { client: {} },
      { client: new pg.Pool(), url: 'postgres://h/db' },
      { client: new pg.Client({ binary: true } as pg.ClientConfig) },
      null,
    ]) {
      expect(invalid(options), JSON.stringify(options)).toBe('INVALID_OPTIONS');
    }
    expect(invalid({ ...base, schema: 'Tenant_1' })).toBe('accepted');
  });

  it('never echoes a url with its password when refusing it', () => {
    try {
      createPostgresStore({ url: 'http://user:hunter2-secret@host/db' });
    } catch (error) {
      expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain('hunter2-secret');
      return;
    }
    throw new Error('expected INVALID_OPTIONS');
  });
});

describe.skipIf(!server)('postgres connections', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };

  it('uses the caller’s pool and leaves it open on close', async () => {
    const pool = new pg.Pool(connectionOptions(server));
    pool.on('error', () => {});
    const store = createPostgresStore({ client: pool, namespace: namespace() });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await store.close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('uses a caller’s checked-out PoolClient and leaves it checked out', async () => {
    const pool = new pg.Pool(connectionOptions(server));
    const client = await pool.connect();
    const store = createPostgresStore({ client, namespace: namespace() });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
    await store.close();
    expect(pool.idleCount).toBe(0);
    client.release();
    await pool.end();
  });

  it('connects with a url and passes core options through (maxSaveAttempts)', async () => {
    const table = namespace();
    await using store = createPostgresStore({ url: server.url, namespace: table, maxSaveAttempts: 1 });
    const saved = await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
    // With one attempt, a versioned save whose row changes while it waits (nothing written, run
    // again) gives up at once; with the default 50 it would run again and report the new version.
    const other = await rawClient(server);
    const observer = await rawClient(server);
    try {
      await other.query('BEGIN');
      await other.query(`UPDATE "${table}" SET version = version + 1 WHERE id = $1`, [Buffer.from(saved.id)]);
      const saving = store.saveToken({ userSignature: 'u', accessToken: 'b', version: saved.version }).catch((error: unknown) => error);
      await waitForLockWait(observer);
      await other.query('COMMIT');
      const reason = await saving;
      expect(isTokenStoreError(reason, 'CONFLICT'), String(reason)).toBe(true);
      expect(String(reason)).toMatch(/gave up after 1 attempts/);
    } finally {
      await other.end();
      await observer.end();
    }
  });

  it('never shows the password or url when inspected or in errors', async () => {
    await using store = createPostgresStore({ url: server.url, namespace: namespace() });
    await store.getTokens();
    expect(inspect(store, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(server.password);
    await using wrong = createPostgresStore({ ...connectionOptions(server), password: 'not-the-password-42', namespace: namespace() });
    const error = await wrong.getTokens().catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect(String(error)).toContain('28P01');
    for (const text of [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }), JSON.stringify(error)]) {
      expect(text).not.toContain('not-the-password-42');
    }
    const url = new URL(server.url);
    url.password = 'wrong-url-password-43';
    await using wrongUrl = createPostgresStore({ url: url.href, namespace: namespace() });
    const urlError = await wrongUrl.getTokens().catch((caught: unknown) => caught);
    expect(isTokenStoreError(urlError, 'UNAVAILABLE')).toBe(true);
    expect(inspect(urlError, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain('wrong-url-password-43');
  });

  it('fails with UNAVAILABLE, not a hang, on a port nobody listens on', async () => {
    await using store = createPostgresStore({
      host: '127.0.0.1',
      port: 1,
      database: 'x',
      namespace: namespace(),
      operationTimeoutMs: 2000,
    });
    const error = await store.getTokens().catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect(String(error)).toContain('ECONNREFUSED');
  });
});
