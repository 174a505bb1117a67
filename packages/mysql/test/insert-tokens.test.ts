import { randomBytes } from 'node:crypto';
import { insertTokens, type OAuthToken, type StoredToken } from '@tokens/core';
import { describeInsertTokens, expectRefusalWithoutSecrets, secretsOf, secretToken, startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { batchStatements, MAX_STATEMENT_LENGTH } from '../src/batch-insert.js';
import { queriesFor } from '../src/queries.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawConnection, rawRows } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

/** Values that cannot go as plain '…' literals: quotes, backslashes (escape sequences too), NUL, 4-byte characters. */
const awkward = (n: number): OAuthToken => ({
  id: `id-'\\-${n}-ü`,
  userSignature: `o'brien\\${n}@example.com`,
  clientId: 'client',
  clientSecret: `se\\'cret\u0000${n}`,
  accessToken: `access-${n}-\\n\\0\\Z-😀-"\`'`,
  refreshToken: `refresh-${n}-日本語-\t\r\n`,
  grantToken: n % 2 === 0 ? '' : null,
  expiryTime: 1_700_000_000_000 + n,
  apiDomain: 'https://www.zohoapis.eu',
});

const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));

/** The server's count of INSERT statements run (text or prepared, any session). */
async function insertStatements(): Promise<number> {
  if (!server) return 0;
  const connection = await rawConnection(server);
  try {
    const [rows] = await connection.query("SHOW GLOBAL STATUS LIKE 'Com_insert'");
    return Number((rows as { Value: string }[])[0]?.Value);
  } finally {
    await connection.end();
  }
}

describe('batch statements (no server)', () => {
  const prefix = queriesFor('t').insertRows;
  const record = (n: number, size: number): StoredToken => ({
    id: `r${n}`,
    version: 1,
    userSignature: `u${n}`,
    clientId: null,
    clientSecret: null,
    redirectUrl: null,
    grantToken: null,
    refreshToken: null,
    accessToken: 'é'.repeat(size),
    expiryTime: null,
    apiDomain: null,
  });

  it('a batch of small records is one statement; each row carries the values of the single-row insert', () => {
    const statements = batchStatements(prefix, [record(1, 3), record(2, 3)]);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.sql?.startsWith(prefix)).toBe(true);
    expect(statements[0]?.sql).toContain(`'r1', 1, '`);
    expect(statements[0]?.sql).toContain(`_utf8mb4 X'${'c3a9'.repeat(3)}'`);
  });

  it('large records split into statements under MAX_STATEMENT_LENGTH, in order; a lone record takes the prepared insert', () => {
    // Each row is ~1.5 MiB of hex: two per statement, and the last alone.
    const records = Array.from({ length: 5 }, (_, n) => record(n, 400_000));
    const statements = batchStatements(prefix, records);
    expect(statements.map((statement) => statement.records.map((r) => r.id))).toEqual([['r0', 'r1'], ['r2', 'r3'], ['r4']]);
    expect(statements.every((statement) => (statement.sql?.length ?? 0) <= MAX_STATEMENT_LENGTH)).toBe(true);
    expect(statements[2]?.sql).toBeUndefined();
  });
});

if (server) {
  const namespaces: string[] = [];
  afterAll(() => dropTables(server, namespaces));
  const fresh = () => {
    const namespace = freshNamespace();
    namespaces.push(namespace);
    return namespace;
  };

  describeInsertTokens({
    name: 'mysql (multi-row INSERT)',
    open: (namespace) => openStore(server, { namespace }),
    cleanup: (used) => dropTables(server, used),
  });

  describeInsertTokens({
    name: 'mysql, encrypted',
    open: (namespace) => openStore(server, { namespace, encryption }),
    cleanup: (used) => dropTables(server, used),
    many: 1_001,
  });

  describe('mysql insertTokens', () => {
    it.each([
      ['plain', {}],
      ['encrypted', { encryption }],
    ])('%s: one INSERT statement for a batch of new tokens; a taken key costs that batch one statement per token', async (_, options) => {
      await using store = openStore(server, { namespace: fresh(), ...options });
      const taken = await store.saveToken({ userSignature: 'taken@example.com', accessToken: 'taken-access' });
      const tokens = (tag: string) =>
        Array.from({ length: 300 }, (_, i) => ({ userSignature: `${tag}-${i}@example.com`, accessToken: `${tag}-${i}` }));

      let before = await insertStatements();
      expect((await insertTokens(store, tokens('a'))).every((result) => result !== null)).toBe(true);
      expect((await insertStatements()) - before).toBe(1);

      before = await insertStatements();
      const results = await insertTokens(store, [...tokens('b'), { userSignature: 'other@example.com', accessToken: 'taken-access' }]);
      expect(results.filter((result) => result === null)).toHaveLength(1);
      expect(results[300]).toBeNull();
      expect((await insertStatements()) - before).toBe(1 + 301);
      expect(await store.findTokenById(taken.id)).toEqual(taken);
      expect(await store.getTokens()).toHaveLength(601);
    });

    it('stores exactly the rows saveToken stores (values, hashed keys), quotes, backslashes, NUL and 4-byte characters included', async () => {
      const one = fresh();
      const many = fresh();
      await using single = openStore(server, { namespace: one });
      await using batch = openStore(server, { namespace: many });
      const tokens = Array.from({ length: 6 }, (_, n) => awkward(n));
      for (const token of tokens) await single.saveToken(token);
      const results = await insertTokens(batch, tokens);
      expect(results.every((result) => result !== null)).toBe(true);
      expect(sorted(await rawRows(server, many))).toEqual(sorted(await rawRows(server, one)));
      for (const [n, token] of tokens.entries()) {
        expect(await batch.findTokenById(token.id as string)).toEqual(results[n]);
        expect(await batch.findToken({ accessToken: token.accessToken as string })).toEqual(results[n]);
      }
    });

    it("a user's pool with NO_BACKSLASH_ESCAPES and a latin1 connection still stores every value exactly", async () => {
      const namespace = fresh();
      const pool = mysql.createPool({ ...connectionOptions(server), charset: 'latin1_swedish_ci', connectionLimit: 2 });
      pool.on('connection', (connection) => {
        connection.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
      });
      try {
        await using store = openStore(server, { namespace, client: pool });
        const tokens = Array.from({ length: 4 }, (_, n) => awkward(n));
        const results = await insertTokens(store, tokens);
        expect(results.every((result) => result !== null)).toBe(true);
        await using reader = openStore(server, { namespace });
        for (const [n, token] of tokens.entries()) {
          const stored = await reader.findTokenById(token.id as string);
          expect(stored).toEqual(results[n]);
          expect(stored?.accessToken).toBe(token.accessToken);
          expect(stored?.clientSecret).toBe(token.clientSecret);
        }
      } finally {
        await pool.end();
      }
    });

    it('a batch refused by the server (a trigger SIGNALs with the value written): UNAVAILABLE, no secret and no SQL in the error', async () => {
      const namespace = fresh();
      await using store = openStore(server, { namespace });
      await store.getTokens();
      const raw = await rawConnection(server);
      try {
        await raw.query(
          `CREATE TRIGGER \`${namespace}_insert\` BEFORE INSERT ON \`${namespace}\` FOR EACH ROW
           BEGIN DECLARE message VARCHAR(128) DEFAULT NEW.access_token; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = message; END`,
        );
      } finally {
        await raw.end();
      }
      const tokens = [secretToken(), { ...secretToken(), clientSecret: `it's-\\-${randomBytes(4).toString('hex')}` }, secretToken()];
      await expectRefusalWithoutSecrets(insertTokens(store, tokens), {
        code: 'UNAVAILABLE',
        secrets: tokens.flatMap(secretsOf),
        what: 'batch insert refused by a trigger',
        also: (error) => {
          expect((error as Error).cause).toMatchObject({ errno: 1644, sqlState: '45000' });
          expect((error as Error).cause).not.toHaveProperty('sql');
        },
      });
      expect(await rawRows(server, namespace)).toEqual([]);
    });

    it('a batch larger than one statement (64 Ki-character values) lands whole and reads back exact', async () => {
      await using store = openStore(server, { namespace: fresh() });
      const big = (n: number): OAuthToken => ({
        userSignature: `big-${n}@example.com`,
        accessToken: `${n}-${'ä'.repeat(65_000)}`,
        refreshToken: `${n}-${'€'.repeat(65_000)}`,
        clientSecret: 'ß'.repeat(65_000),
      });
      // ~1 MiB of SQL per token: several statements.
      const tokens = Array.from({ length: 9 }, (_, n) => big(n));
      const results = await insertTokens(store, tokens);
      expect(results.every((result) => result !== null)).toBe(true);
      for (const [n, token] of tokens.entries()) {
        expect(await store.findToken({ accessToken: token.accessToken as string })).toEqual(results[n]);
      }
      const again = await insertTokens(store, [big(100), big(3)]);
      expect(again.map((result) => result !== null)).toEqual([true, false]);
    });
  });
} else {
  describe.skip('mysql insertTokens: MariaDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs MariaDB', () => {});
  });
}
