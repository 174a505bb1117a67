import { hashKey, isTokenStoreError } from '@tokens/core';
import { startPostgres } from '@tokens/test-servers';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawRows, withRaw } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

describe.skipIf(!server)('postgres schema and values', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };

  it('matches users and tokens exactly: case and trailing spaces make different keys', async () => {
    await using store = openStore(server, { namespace: namespace() });
    await store.saveToken({ userSignature: 'Alice@Example.com', accessToken: 'a1' });
    await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'A1' });
    await store.saveToken({ userSignature: 'Alice@Example.com ', accessToken: 'a1 ' });
    expect(await store.getTokens()).toHaveLength(3);
    expect((await store.findToken({ userSignature: 'alice@example.com' }))?.accessToken).toBe('A1');
    expect((await store.findToken({ accessToken: 'a1 ' }))?.userSignature).toBe('Alice@Example.com ');
    expect(await store.findToken({ userSignature: 'ALICE@EXAMPLE.COM' })).toBeNull();
  });

  it('keeps ids exact: case, trailing spaces and NUL make different ids', async () => {
    await using store = openStore(server, { namespace: namespace() });
    for (const id of ['id', 'ID', 'id ', 'ïd', 'i\u0000d']) await store.saveToken({ id, accessToken: `token of ${JSON.stringify(id)}` });
    expect(await store.getTokens()).toHaveLength(5);
    expect((await store.findTokenById('id '))?.accessToken).toBe('token of "id "');
    expect((await store.findTokenById('i\u0000d'))?.accessToken).toBe('token of "i\\u0000d"');
    expect(await store.findTokenById('Id')).toBeNull();
  });

  it('round-trips 16 KiB values and 64 Ki characters with 4-byte unicode, quotes and NUL, stored as UTF-8 bytes', async () => {
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
    expect(row?.access_token).toEqual(Buffer.from(value, 'utf8'));
    expect(row?.user_key).toBe(hashKey(value));
    expect(row?.expiry_time).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  it('lays out bytea values, hashed keys in the "C" collation with unique indexes, and records the schema version', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await withRaw(server, async (client) => {
      const { rows: columns } = await client.query(
        `SELECT column_name AS name, data_type AS type, character_maximum_length AS length, collation_name AS collation
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      expect(columns.find((column) => column.name === 'id')).toMatchObject({ type: 'bytea' });
      expect(columns.find((column) => column.name === 'access_token')).toMatchObject({ type: 'bytea' });
      expect(columns.find((column) => column.name === 'expiry_time')).toMatchObject({ type: 'bigint' });
      expect(columns.find((column) => column.name === 'user_key')).toEqual({
        name: 'user_key',
        type: 'character varying',
        length: 43,
        collation: 'C',
      });
      const { rows: indexes } = await client.query(
        'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname',
        ['public', table],
      );
      expect(indexes.map((index) => index.indexname)).toEqual([
        `${table}_access_key`,
        `${table}_grant_key`,
        `${table}_pkey`,
        `${table}_refresh_key`,
        `${table}_user_key`,
      ]);
      for (const index of indexes) expect(index.indexdef).toMatch(/^CREATE UNIQUE INDEX/);
      const { rows: meta } = await client.query('SELECT version FROM public._tokens_schema WHERE namespace = $1', [table]);
      expect(meta).toEqual([{ version: 1 }]);
    });
  });

  it('looks up with one prepared statement: one round trip, named and kept on the connection', async () => {
    const client = new pg.Client(connectionOptions(server));
    client.on('error', () => {});
    await client.connect();
    try {
      const store = createPostgresStore({ client, namespace: namespace() });
      await store.saveToken({ userSignature: 'u', accessToken: 'a', refreshToken: 'r' });
      const original = client.query.bind(client);
      const sent: unknown[] = [];
      (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
        sent.push(config);
        return (original as (...args: unknown[]) => unknown)(config, ...rest);
      };
      expect((await store.findToken({ userSignature: 'u' }))?.accessToken).toBe('a');
      expect((await store.findToken({ refreshToken: 'r', clientId: 'c', clientSecret: 's' }))?.accessToken).toBe('a');
      expect((await store.findTokenById((await store.findToken({ accessToken: 'a' }))!.id))?.accessToken).toBe('a');
      expect(sent).toHaveLength(4);
      for (const config of sent) expect(config).toMatchObject({ name: expect.stringMatching(/^tokens_[0-9a-f]{24}$/) });
      (client as { query: unknown }).query = original;
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'tokens\\_%'");
      expect(rows[0].n).toBeGreaterThanOrEqual(4);
      await store.close();
    } finally {
      await client.end();
    }
  });

  it('keeps tables in the schema it is given, creating it if needed; same namespace in two schemas are two stores', async () => {
    const table = namespace();
    const schema = `s_${table.slice(2)}`;
    try {
      await using inSchema = openStore(server, { schema, namespace: table });
      await using inPublic = openStore(server, { namespace: table });
      await inSchema.saveToken({ userSignature: 'u', accessToken: 'in schema' });
      await inPublic.saveToken({ userSignature: 'u', accessToken: 'in public' });
      expect((await inSchema.findToken({ userSignature: 'u' }))?.accessToken).toBe('in schema');
      expect((await inPublic.findToken({ userSignature: 'u' }))?.accessToken).toBe('in public');
      expect(await rawRows(server, table, schema)).toHaveLength(1);
      const { rows } = await withRaw(server, (client) =>
        client.query('SELECT version FROM $schema._tokens_schema'.replace('$schema', schema)),
      );
      expect(rows).toEqual([{ version: 1 }]);
    } finally {
      await withRaw(server, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  });

  // Needs to create a role: the started server's user may, an external server's may not.
  it.skipIf(server.external)('works on tables a DBA created for a role that may not create anything', async () => {
    const table = namespace();
    const password = 'reader-writer-pass';
    const role = `r_${table.slice(2)}`;
    await using owner = openStore(server, { namespace: table });
    await owner.getTokens();
    await withRaw(server, async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${table}", _tokens_schema TO ${role}`);
      await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    });
    try {
      await using limited = openStore(server, { namespace: table, user: role, password });
      await limited.saveToken({ userSignature: 'u', accessToken: 'a' });
      expect(await owner.getTokens()).toHaveLength(1);
      await using elsewhere = openStore(server, { namespace: namespace(), user: role, password });
      const error = await elsewhere.getTokens().catch((caught: unknown) => caught);
      expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
      expect(String(error)).toContain('42501');
    } finally {
      await withRaw(server, async (client) => {
        await client.query(`REVOKE ALL ON "${table}", _tokens_schema FROM ${role}`);
        await client.query(`DROP ROLE ${role}`);
      });
    }
  });

  it('reads correctly through a caller’s pool with other type parsers and bytea_output = escape', async () => {
    const table = namespace();
    const pool = new pg.Pool({
      ...connectionOptions(server),
      options: '-c bytea_output=escape',
      types: { getTypeParser: () => () => 'parsed by the caller' },
    });
    try {
      const store = createPostgresStore({ client: pool, namespace: table });
      const value = `é😀\u0000\\ \x7f end`;
      const saved = await store.saveToken({ userSignature: value, accessToken: value, expiryTime: 1_700_000_000_000 });
      expect(await store.findToken({ userSignature: value })).toEqual(saved);
      expect(saved.version).toBe(1);
      await store.close();
      expect((await pool.query("SELECT current_setting('bytea_output') AS v")).rows).toEqual([{ v: 'parsed by the caller' }]);
    } finally {
      await pool.end();
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
    await withRaw(server, (client) => client.query(`DROP TABLE "${table}"`));
    expect(await store.getTokens()).toEqual([]);
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
  });

  it('refuses a table of the same name that is not a token table', async () => {
    for (const definition of ['(id int PRIMARY KEY, name text)', '(id text PRIMARY KEY, version int, user_key text, access_key text)']) {
      const table = namespace();
      await withRaw(server, (client) => client.query(`CREATE TABLE "${table}" ${definition}`));
      await using store = openStore(server, { namespace: table });
      const error = await store.getTokens().catch((caught: unknown) => caught);
      expect(isTokenStoreError(error, 'INVALID_OPTIONS')).toBe(true);
      expect(String(error)).toContain('not a @tokens/postgres table');
    }
  });

  it('refuses a table of a newer schema version', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.getTokens();
    await withRaw(server, (client) => client.query('UPDATE _tokens_schema SET version = 99 WHERE namespace = $1', [table]));
    await using later = openStore(server, { namespace: table });
    await expect(later.getTokens()).rejects.toThrow(/schema version 99/);
  });

  it('reports bytes that are not UTF-8 as CORRUPT and leaves them alone', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    const saved = await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await withRaw(server, (client) => client.query(`UPDATE "${table}" SET api_domain = '\\xff'::bytea`));
    const error = await store.findTokenById(saved.id).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'CORRUPT'), String(error)).toBe(true);
    expect(String(error)).toContain('api_domain');
    expect((await rawRows(server, table))[0]?.api_domain).toEqual(Buffer.from([0xff]));
  });
});
