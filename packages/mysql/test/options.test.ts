import { inspect } from 'node:util';
import { isTokenStoreError } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { createMysqlStore, MysqlBackend } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

describe('mysql options', () => {
  it('rejects missing connection settings, bad namespaces and bad timeouts', () => {
    const invalid = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return isTokenStoreError(error, 'INVALID_OPTIONS');
      }
      return false;
    };
    expect(invalid(() => createMysqlStore())).toBe(true);
    expect(invalid(() => createMysqlStore({ database: 'db', namespace: 'Bad-Name' }))).toBe(true);
    expect(invalid(() => createMysqlStore({ database: 'db', operationTimeoutMs: 0 }))).toBe(true);
    expect(invalid(() => createMysqlStore({ database: 'db', poolSize: 1.5 }))).toBe(true);
  });
});

describe.skipIf(!server)('mysql connections', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };

  it('uses the caller’s pool and leaves it open on close', async () => {
    const pool = mysql.createPool(connectionOptions(server));
    const store = createMysqlStore({ client: pool, namespace: namespace() });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await store.close();
    const [rows] = await pool.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('works on a caller’s pool whatever its row and number settings', async () => {
    const table = namespace();
    const poolSettings = [{}, { supportBigNumbers: true, bigNumberStrings: true }, { rowsAsArray: true, namedPlaceholders: true }];
    for (const extra of poolSettings) {
      const pool = mysql.createPool({ ...connectionOptions(server), ...extra });
      const store = createMysqlStore({ client: pool, namespace: table });
      await store.saveToken({ userSignature: 'u', accessToken: 'a', expiryTime: Number.MAX_SAFE_INTEGER });
      expect((await store.findToken({ userSignature: 'u' }))?.expiryTime).toBe(Number.MAX_SAFE_INTEGER);
      await store.close();
      await pool.end();
    }
  });

  it('connects with a uri', async () => {
    const { user, password, host, port, database } = connectionOptions(server);
    await using store = createMysqlStore({ uri: `mysql://${user}:${password}@${host}:${port}/${database}`, namespace: namespace() });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
  });

  it('never shows the password or uri when inspected or in errors', async () => {
    const { user, password, host, port, database } = connectionOptions(server);
    const uri = `mysql://${user}:${password}@${host}:${port}/${database}`;
    await using store = createMysqlStore({ uri, namespace: namespace() });
    const pool = mysql.createPool(connectionOptions(server));
    const backend = new MysqlBackend(pool, { namespace: 'x', operationTimeoutMs: 1000, ownsPool: true });
    for (const text of [inspect(store, { depth: 8 }), inspect(backend, { depth: 8 })]) expect(text).not.toContain(password);
    await backend.close();
    await using wrong = createMysqlStore({ ...connectionOptions(server), password: 'not-the-password', namespace: namespace() });
    const error = await wrong.getTokens().catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect(inspect(error, { depth: 8 })).not.toContain('not-the-password');
  });
});
