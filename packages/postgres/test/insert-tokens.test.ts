import { randomBytes } from 'node:crypto';
import { insertTokens, type OAuthToken, type StoredToken } from '@tokens/core';
import { type CountingProxy, describeInsertTokens, startCountingProxy, startPostgres } from '@tokens/test-servers';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore, PostgresBackend } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawRows } from './helpers.js';

const server = await startPostgres();
const proxy = server ? await startCountingProxy(server) : undefined;
afterAll(async () => {
  await proxy?.close();
  await server?.dispose();
});
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describe.skipIf(!server)('postgres insertMany', () => {
  if (!server || !proxy) return;
  const counter: CountingProxy = proxy;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));

  describeInsertTokens({
    name: 'postgres',
    open: (namespace) => openStore(server, { namespace }),
    cleanup: (namespaces) => dropTables(server, namespaces),
  });

  describeInsertTokens({
    name: 'postgres (encrypted)',
    open: (namespace) => openStore(server, { namespace, encryption }),
    cleanup: (namespaces) => dropTables(server, namespaces),
  });

  const token = (n: number | string, extra: OAuthToken = {}): OAuthToken => ({
    userSignature: `user-${n}@example.com`,
    clientId: 'client',
    clientSecret: 'client-secret',
    accessToken: `access-${n}`,
    refreshToken: `refresh-${n}`,
    expiryTime: 1_700_000_000_000,
    ...extra,
  });

  const record = (n: number | string, extra: Partial<StoredToken> = {}): StoredToken => ({
    id: `id-${n}`,
    version: 1,
    userSignature: `user-${n}@example.com`,
    clientId: 'client',
    clientSecret: 'client-secret',
    redirectUrl: null,
    grantToken: null,
    refreshToken: `refresh-${n}`,
    accessToken: `access-${n}`,
    expiryTime: 1_700_000_000_000,
    apiDomain: null,
    ...extra,
  });

  function backendOn(pool: pg.Pool): PostgresBackend {
    const namespace = freshNamespace();
    tables.push(namespace);
    return new PostgresBackend({ kind: 'pool', pool }, { schema: 'public', namespace, operationTimeoutMs: 10_000, ownsPool: false });
  }

  it('a batch of 1,000 is one round trip, a batch of another size too (one prepared statement for every size)', async () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    await using store = createPostgresStore({
      ...connectionOptions(server),
      host: counter.host,
      port: counter.port,
      namespace,
      poolSize: 1,
    });
    await store.findToken({ userSignature: 'warm-up' });
    for (const [from, count] of [
      [0, 1_000],
      [1_000, 7],
    ] as const) {
      counter.reset();
      const results = await insertTokens(
        store,
        Array.from({ length: count }, (_, i) => token(from + i)),
      );
      expect(counter.connections).toBe(0);
      expect(counter.bursts).toBe(1);
      expect(results.every((result) => result?.version === 1)).toBe(true);
    }
    expect(await store.getTokens()).toHaveLength(1_007);
  });

  it('a record colliding on two unique indexes at once, or on its id alone, is a duplicate and writes nothing', async () => {
    await using store = openStore(server, { namespace: freshNamespace() });
    tables.push(store.namespace);
    const ana = await store.saveToken(token('ana'));
    const bob = await store.saveToken(token('bob'));
    const results = await insertTokens(store, [
      // user of ana, access token of bob: two different indexes, two different rows.
      token(1, { userSignature: 'user-ana@example.com', accessToken: 'access-bob' }),
      // access of ana and refresh of bob.
      token(2, { accessToken: 'access-ana', refreshToken: 'refresh-bob' }),
      // every key new, the id taken.
      token(3, { id: ana.id }),
      token(4),
    ]);
    expect(results.map((result) => result !== null)).toEqual([false, false, false, true]);
    const rows = await rawRows(server, store.namespace);
    expect(rows.map((row) => (row.user_signature as Buffer).toString()).sort()).toEqual(
      ['user-4@example.com', 'user-ana@example.com', 'user-bob@example.com'].sort(),
    );
    expect(await store.findTokenById(ana.id)).toEqual(ana);
    expect(await store.findTokenById(bob.id)).toEqual(bob);
  });

  it('two batches of 1,000 taking the same users in opposite orders: no deadlock (rows go in user key order)', async () => {
    // Unsorted, each statement waits for a row the other inserted: a deadlock every time, broken
    // after deadlock_timeout (1 s) and retried until the operation times out (UNAVAILABLE).
    const namespace = freshNamespace();
    tables.push(namespace);
    await using first = openStore(server, { namespace });
    await using second = openStore(server, { namespace });
    const users = Array.from({ length: 1_000 }, (_, i) => i);
    for (const round of [1, 2]) {
      const batch = (tag: string, order: number[]) => order.map((i) => token(`${round}-${i}`, { accessToken: `a-${tag}-${round}-${i}` }));
      const [a, b] = await Promise.all([insertTokens(first, batch('a', users)), insertTokens(second, batch('b', [...users].reverse()))]);
      expect(a.filter(Boolean).length + b.filter(Boolean).length).toBe(1_000);
    }
    expect(await first.getTokens()).toHaveLength(2_000);
  });

  it('writes the very rows insert writes (same encoding and key columns), whatever bytea_output the session has', async () => {
    // bytea_output = escape: the ids the statement returns must still match.
    const pool = new pg.Pool({ ...connectionOptions(server), max: 2, options: '-c bytea_output=escape' });
    pool.on('error', () => {});
    try {
      const many = backendOn(pool);
      const one = backendOn(pool);
      const records = [
        record('nul', { id: 'a\u0000b', accessToken: 'x\u0000y', apiDomain: 'https://www.zohoapis.eu' }),
        record('unicode', { id: 'ü-€-😀', userSignature: 'Ünïcode 😀', redirectUrl: 'https://example.com/cb', grantToken: 'g' }),
        record('nulls', { userSignature: null, refreshToken: null, clientId: null, clientSecret: null, expiryTime: null }),
        record('long', { accessToken: 'a'.repeat(5_000), refreshToken: `1000.${'r'.repeat(66)}` }),
      ];
      expect(await many.insertMany(records)).toEqual(['inserted', 'inserted', 'inserted', 'inserted']);
      for (const each of records) expect(await one.insert(each)).toBe('inserted');
      const byId = (rows: Record<string, unknown>[]) => rows.sort((a, b) => Buffer.compare(a.id as Buffer, b.id as Buffer));
      expect(byId(await rawRows(server, many.namespace))).toEqual(byId(await rawRows(server, one.namespace)));
      for (const each of records) expect(await many.getById(each.id)).toEqual(each);
      expect(await many.insertMany(records)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
      expect(await many.insertMany([])).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
