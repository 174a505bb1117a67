import { isTokenStoreError, type OAuthToken } from '@tokens/core';
import { startPostgres } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawRows } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

describe.skipIf(!server)('postgres: bad input', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));

  it('refuses bad tokens and ids with INVALID_TOKEN before any statement, writing nothing', async () => {
    const table = freshNamespace();
    tables.push(table);
    await using store = openStore(server, { namespace: table });
    await store.saveToken({ userSignature: 'kept', accessToken: 'a' });
    const before = await rawRows(server, table);
    const bad: unknown[] = [
      { userSignature: 'u', accessToken: 'lone \ud800 surrogate' },
      { userSignature: 'u', accessToken: 'x'.repeat(65_537) },
      { userSignature: 'u', accessToken: 'a', expiryTime: -1 },
      { userSignature: 'u', accessToken: 'a', expiryTime: 2 ** 63 },
      { userSignature: 'u', accessToken: 'a', expiryTime: '1' },
      { userSignature: 'u', accessToken: 'a', version: 0 },
      { userSignature: 'u', accessToken: 'a', refresh_token: 'r' },
      { id: 'i'.repeat(256), accessToken: 'a' },
      { id: 42, accessToken: 'a' },
      { userSignature: 'no token at all' },
      null,
      'a string',
    ];
    for (const token of bad) {
      const error = await store.saveToken(token as OAuthToken).catch((caught: unknown) => caught);
      expect(isTokenStoreError(error, 'INVALID_TOKEN'), `${JSON.stringify(token)?.slice(0, 60)}: ${String(error)}`).toBe(true);
    }
    for (const id of ['', 'x'.repeat(256), 7, null, 'lone \udc00']) {
      const error = await store.findTokenById(id as string).catch((caught: unknown) => caught);
      expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    }
    expect(await rawRows(server, table)).toEqual(before);
  });

  it('takes SQL-looking and binary-looking values as data', async () => {
    const table = freshNamespace();
    tables.push(table);
    await using store = openStore(server, { namespace: table });
    const values = ["'); DROP TABLE tokens; --", '\\x41', '$1', "E'\\000'", '%', '_', '\u0000', 'ends with \\'];
    for (const value of values) await store.saveToken({ id: value, userSignature: value, accessToken: `at ${value}`, apiDomain: value });
    for (const value of values) {
      const found = await store.findToken({ userSignature: value });
      expect(found?.id).toBe(value);
      expect(found?.apiDomain).toBe(value);
    }
    expect(await rawRows(server, table)).toHaveLength(values.length);
  });
});
