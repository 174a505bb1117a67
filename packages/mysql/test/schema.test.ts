import { isTokenStoreError } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createMysqlStore } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawConnection, rawRows } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

describe.skipIf(!server)('mysql schema and values', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };

  it('matches users exactly and case-sensitively whatever the server default collation', async () => {
    const connection = await rawConnection(server);
    const [[settings]] = (await connection.query('SELECT @@collation_server AS collation')) as unknown as [{ collation: string }[]];
    await connection.end();
    expect(settings?.collation).toMatch(/_ci$/); // the test is only meaningful on a case-insensitive default
    await using store = openStore(server, { namespace: namespace() });
    await store.saveToken({ userSignature: 'Alice@Example.com', accessToken: 'a1' });
    await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'A1' });
    await store.saveToken({ userSignature: 'Alice@Example.com ', accessToken: 'a1 ' });
    expect(await store.getTokens()).toHaveLength(3);
    expect((await store.findToken({ userSignature: 'alice@example.com' }))?.accessToken).toBe('A1');
    expect((await store.findToken({ accessToken: 'a1 ' }))?.userSignature).toBe('Alice@Example.com ');
    expect(await store.findToken({ userSignature: 'ALICE@EXAMPLE.COM' })).toBeNull();
  });

  it('keeps ids exact: case and trailing spaces make different ids', async () => {
    await using store = openStore(server, { namespace: namespace() });
    for (const id of ['id', 'ID', 'id ', 'ïd', 'i\u0000d']) await store.saveToken({ id, accessToken: `token of ${JSON.stringify(id)}` });
    expect(await store.getTokens()).toHaveLength(5);
    expect((await store.findTokenById('id '))?.accessToken).toBe('token of "id "');
    expect(await store.findTokenById('Id')).toBeNull();
  });

  it('round-trips 16 KiB values with 4-byte unicode, quotes and NUL', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    const value = `😀'"\\\u0000,\n${'x'.repeat(16 * 1024)}😀`;
    const huge = 'é'.repeat(65_536);
    const saved = await store.saveToken({
      userSignature: value,
      accessToken: value,
      refreshToken: huge,
      apiDomain: value,
      expiryTime: Number.MAX_SAFE_INTEGER,
    });
    const found = await store.findToken({ userSignature: value });
    expect(found).toEqual(saved);
    expect(found?.refreshToken).toBe(huge);
    expect(found?.expiryTime).toBe(Number.MAX_SAFE_INTEGER);
    const [row] = await rawRows(server, table);
    expect(row?.access_token).toBe(value);
  });

  it('indexes hashed keys in ascii_bin columns and records the schema version', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    const connection = await rawConnection(server);
    try {
      const [columns] = (await connection.execute(
        'SELECT column_name AS name, column_type AS type, collation_name AS collation FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
        [table],
      )) as unknown as [{ name: string; type: string; collation: string | null }[]];
      expect(columns.find((column) => column.name === 'user_key')).toEqual({ name: 'user_key', type: 'char(43)', collation: 'ascii_bin' });
      const [meta] = (await connection.execute('SELECT version FROM `_tokens_schema` WHERE namespace = ?', [table])) as unknown as [
        { version: number }[],
      ];
      expect(meta).toEqual([{ version: 1 }]);
    } finally {
      await connection.end();
    }
  });

  it('creates the table once when several stores start on it together', async () => {
    const table = namespace();
    const stores = Array.from({ length: 6 }, () => openStore(server, { namespace: table, poolSize: 2 }));
    await Promise.all(stores.map((store, index) => store.saveToken({ userSignature: `user${index}`, accessToken: `token${index}` })));
    expect(await stores[0]!.getTokens()).toHaveLength(6);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('recreates its table when it was dropped under a live store', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    const connection = await rawConnection(server);
    await connection.query(`DROP TABLE \`${table}\``);
    await connection.end();
    expect(await store.getTokens()).toEqual([]);
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
  });

  it('refuses a table of the same name that is not a token table', async () => {
    const table = namespace();
    const connection = await rawConnection(server);
    await connection.query(`CREATE TABLE \`${table}\` (id INT PRIMARY KEY, name TEXT)`);
    await connection.end();
    await using store = createMysqlStore({ ...connectionOptions(server), namespace: table });
    const error = await store.getTokens().catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'INVALID_OPTIONS')).toBe(true);
    expect(String(error)).toContain('not a @tokens/mysql table');
  });

  it('refuses a table of a newer schema version', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.getTokens();
    const connection = await rawConnection(server);
    await connection.execute('UPDATE `_tokens_schema` SET version = 99 WHERE namespace = ?', [table]);
    await connection.end();
    await using later = openStore(server, { namespace: table });
    await expect(later.getTokens()).rejects.toThrow(/schema version 99/);
  });
});
