import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { expectUnavailableWhileDown, startPostgres } from '@tokens/test-servers';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../src/index.js';
import { connectionOptions, dropTables, freshNamespace, openStore, rawClient, withRaw } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

const CONNECT_TIMEOUT_MS = 1000;
const OPERATION_TIMEOUT_MS = 1500;
// A behaviour bound (no hang), not a benchmark: generous on a loaded machine.
const BOUND_MS = 3 * OPERATION_TIMEOUT_MS;

/** Settles `operation`, returning how long it took and what it gave. */
async function timed<T>(operation: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([operation]);
  return { ms: performance.now() - started, result: result! };
}

function expectUnavailable(result: PromiseSettledResult<unknown>): void {
  expect(result.status).toBe('rejected');
  if (result.status === 'rejected') expect(isTokenStoreError(result.reason, 'UNAVAILABLE'), String(result.reason)).toBe(true);
}

describe.skipIf(!server || server.external)('postgres: server faults', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };
  const open = (): TokenStore =>
    openStore(server, { namespace: namespace(), connectTimeoutMs: CONNECT_TIMEOUT_MS, operationTimeoutMs: OPERATION_TIMEOUT_MS });

  it('fails pending and new operations with UNAVAILABLE in bounded time while the server is down, then the same store works', async () => {
    await using store = open();
    const saved = await store.saveToken({ userSignature: 'kept', refreshToken: 'rt-kept-7c1f', accessToken: 'at-kept-9d2e' });

    const pending = Array.from({ length: 20 }, (_, index) =>
      timed(
        index % 2
          ? store.saveToken({ userSignature: `user${index}`, accessToken: `a${index}` })
          : store.findToken({ userSignature: 'kept' }),
      ),
    );
    await server.stop();
    const settled = await Promise.all(pending);
    for (const { ms, result } of settled) {
      expect(ms).toBeLessThan(BOUND_MS);
      if (result.status === 'rejected') expectUnavailable(result);
    }

    await expectUnavailableWhileDown(store, saved, BOUND_MS);
    const { ms, result } = await timed(store.deleteToken(saved.id));
    expect(ms).toBeLessThan(BOUND_MS);
    expectUnavailable(result);

    await server.start();
    expect(await store.findToken({ userSignature: 'kept' })).toEqual(saved);
    const updated = await store.saveToken({ userSignature: 'kept', accessToken: 'b' });
    expect(updated.version).toBe(saved.version + 1);
  });

  it('a store that met the server down on its first call creates its table once the server is back', async () => {
    await using store = open();
    await server.stop();
    try {
      expectUnavailable((await timed(store.getTokens())).result);
    } finally {
      await server.start();
    }
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    expect(await store.getTokens()).toHaveLength(1);
  });

  it('cuts off a statement that waits on a lock at operationTimeoutMs and recovers once it is free', async () => {
    await using store = open();
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    const locker = await rawClient(server);
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${store.namespace}" IN ACCESS EXCLUSIVE MODE`);
      const { ms, result } = await timed(store.findToken({ userSignature: 'u' }));
      expectUnavailable(result);
      expect(ms).toBeGreaterThanOrEqual(OPERATION_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(BOUND_MS);
      if (result.status === 'rejected') expect(String(result.reason)).toMatch(/1500 ms|statement_timeout/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await store.findToken({ userSignature: 'u' }))?.accessToken).toBe('a');
  });

  it('bounds calls on a caller’s single client too (no connection to discard: the server cancels later)', async () => {
    const table = namespace();
    const client = new pg.Client(connectionOptions(server));
    client.on('error', () => {});
    await client.connect();
    try {
      const store = createPostgresStore({ client, namespace: table, operationTimeoutMs: OPERATION_TIMEOUT_MS });
      await store.saveToken({ userSignature: 'u', accessToken: 'a' });
      const locker = await rawClient(server);
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
        const { ms, result } = await timed(store.findToken({ userSignature: 'u' }));
        expectUnavailable(result);
        expect(ms).toBeLessThan(BOUND_MS);
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
      expect((await store.findToken({ userSignature: 'u' }))?.accessToken).toBe('a');
      await store.close();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('survives its idle connections being killed (no crash from the pool) and reconnects', async () => {
    await using store = open();
    await Promise.all(Array.from({ length: 5 }, (_, index) => store.saveToken({ userSignature: `u${index}`, accessToken: `a${index}` })));
    const killed = await withRaw(server, async (client) => {
      const { rows } = await client.query(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = '@tokens/postgres' AND pid <> pg_backend_pid()",
      );
      return rows.filter((row: { killed: boolean }) => row.killed).length;
    });
    expect(killed).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.getTokens()).toHaveLength(5);
  });
});
