import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procedureName } from '../src/save-procedure.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawConnection, rawRows } from './helpers.js';

// This file's own server: nothing else runs statements on it, so the server-wide counters
// (SHOW GLOBAL STATUS) count exactly what the store sent.
const server = await startMariaDb();
afterAll(() => server?.dispose());

const COUNTERS = ['Questions', 'Com_stmt_execute', 'Com_stmt_prepare', 'Handler_update', 'Handler_write'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;

async function counters(observer: Connection): Promise<Counters> {
  const [rows] = (await observer.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTERS.map((name) => `'${name}'`).join(', ')})`,
  )) as unknown as [{ Variable_name: string; Value: string }[]];
  return Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)])) as Counters;
}

/** What `run` cost on the server; the observer's own SHOW counts as one question, taken off. */
async function delta(observer: Connection, run: () => Promise<unknown>): Promise<Counters> {
  const before = await counters(observer);
  await run();
  const after = await counters(observer);
  const result = Object.fromEntries(COUNTERS.map((name) => [name, after[name] - before[name]])) as Counters;
  result.Questions -= 1;
  return result;
}

describe.skipIf(!server || server.external)('mysql: one round trip per save', () => {
  if (!server) return;
  const tables: string[] = [];
  let observer: Connection;
  beforeAll(async () => {
    observer = await rawConnection(server);
  });
  afterAll(async () => {
    await observer?.end();
    await dropTables(server, tables);
  });
  const open = (options = {}): TokenStore => {
    const namespace = freshNamespace();
    tables.push(namespace);
    // One connection: every statement is prepared once, so the counts below are per save.
    return openStore(server, { namespace, poolSize: 1, ...options });
  };

  it('insert, update by user, versioned update and no-op save: one statement each, counted by the server', async () => {
    await using store = open();
    // Warm-up: schema set up, and the CALL prepared on the store's one connection.
    await store.saveToken({ userSignature: 'warm-up', accessToken: 'w' });
    const user = `user-${randomBytes(4).toString('hex')}`;
    const saves: [string, () => Promise<unknown>][] = [
      ['first login (insert)', () => store.saveToken({ userSignature: user, refreshToken: 'r1', accessToken: 'a1', expiryTime: 1 })],
      ['refresh (update by user)', () => store.saveToken({ userSignature: user, accessToken: 'a2', expiryTime: 2 })],
      ['versioned update', () => store.saveToken({ userSignature: user, accessToken: 'a3', expiryTime: 3, version: 2 })],
      ['no-op save', () => store.saveToken({ userSignature: user, accessToken: 'a3', expiryTime: 3 })],
    ];
    for (const [what, save] of saves) {
      const cost = await delta(observer, save);
      expect({ what, questions: cost.Questions, executes: cost.Com_stmt_execute, prepares: cost.Com_stmt_prepare }).toEqual({
        what,
        questions: 1,
        executes: 1,
        prepares: 0,
      });
    }
    const stored = await store.findToken({ userSignature: user });
    expect(stored).toMatchObject({ version: 3, accessToken: 'a3', refreshToken: 'r1', expiryTime: 3 });
  });

  it('a no-op save keeps the version and writes no row', async () => {
    await using store = open();
    const saved = await store.saveToken({ userSignature: 'same', refreshToken: 'r', accessToken: 'a', clientId: 'c', clientSecret: 's' });
    const again = { userSignature: 'same', refreshToken: 'r', accessToken: 'a', clientSecret: 's' };
    let result: unknown;
    const cost = await delta(observer, async () => {
      result = await store.saveToken(again);
    });
    expect(result).toEqual(saved);
    expect(cost.Handler_update + cost.Handler_write).toBe(0);
    const [row] = await rawRows(server, store.namespace);
    expect(row?.version).toBe(1);
    // A value differing only by a trailing space is a change (utf8mb4_bin pads, the store does not).
    const changed = await store.saveToken({ userSignature: 'same', accessToken: 'a ' });
    expect(changed).toMatchObject({ version: 2, accessToken: 'a ', refreshToken: 'r', clientId: 'c' });
  });

  it('recreates a save procedure dropped under a live store', async () => {
    await using store = open();
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await observer.query(`DROP PROCEDURE \`${procedureName(store.namespace)}\``);
    expect((await store.saveToken({ userSignature: 'u', accessToken: 'b' })).version).toBe(2);
    const cost = await delta(observer, () => store.saveToken({ userSignature: 'u', accessToken: 'c' }));
    expect(cost.Questions).toBe(1);
  });
});

/** A user without CREATE ROUTINE / EXECUTE, made by the test server's root (no password on loopback). */
describe.skipIf(!server || server.external)('mysql: saves without the CREATE ROUTINE privilege', () => {
  if (!server) return;
  const tables: string[] = [];
  const user = `noroutine_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let root: Connection;
  beforeAll(async () => {
    root = await mysql.createConnection({ host: server.host, port: server.port, user: 'root', password: '' });
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP ON \`${server.database}\`.* TO '${user}'@'%'`);
  });
  afterAll(async () => {
    await root?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await root?.end();
    await dropTables(server, tables);
  });
  const open = (namespace: string) => openStore(server, { ...connectionOptions(server), user, password, namespace });

  it('falls back to read + write: saves, updates, compare-and-set and uniqueness still hold', async () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    await using store = open(namespace);
    const first = await store.saveToken({ userSignature: 'u', refreshToken: 'r', accessToken: 'a' });
    const second = await store.saveToken({ userSignature: 'u', accessToken: 'b' });
    expect(second).toMatchObject({ id: first.id, version: 2, refreshToken: 'r', accessToken: 'b' });
    expect(await store.saveToken({ userSignature: 'u', accessToken: 'b' })).toEqual(second);
    const stale = await store.saveToken({ userSignature: 'u', accessToken: 'c', version: 1 }).catch((error: unknown) => error);
    expect(isTokenStoreError(stale, 'CONFLICT')).toBe(true);
    const taken = await store.saveToken({ userSignature: 'v', accessToken: 'b' }).catch((error: unknown) => error);
    expect(isTokenStoreError(taken, 'CONFLICT')).toBe(true);
    const [routines] = (await root.query('SELECT COUNT(*) AS n FROM information_schema.routines WHERE routine_name = ?', [
      procedureName(namespace),
    ])) as unknown as [{ n: number }[]];
    expect(Number(routines[0]?.n)).toBe(0);
  });

  it('a procedure created by another user that this one may not EXECUTE: read + write as well', async () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    await using privileged = openStore(server, { namespace });
    await privileged.saveToken({ userSignature: 'u', accessToken: 'a' });
    await using store = open(namespace);
    expect(await store.saveToken({ userSignature: 'u', accessToken: 'b' })).toMatchObject({ version: 2, accessToken: 'b' });
    expect(await privileged.saveToken({ userSignature: 'u', accessToken: 'c' })).toMatchObject({ version: 3, accessToken: 'c' });
  });
});
