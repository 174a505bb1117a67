import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawConnection } from './helpers.js';

const server = await startMariaDb();
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

describe.skipIf(!server || server.external)('mysql: server faults', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const open = (): TokenStore => {
    const namespace = freshNamespace();
    tables.push(namespace);
    return openStore(server, { namespace, connectTimeoutMs: CONNECT_TIMEOUT_MS, operationTimeoutMs: OPERATION_TIMEOUT_MS });
  };

  it('fails pending and new operations with UNAVAILABLE in bounded time while the server is down, then works again', async () => {
    await using store = open();
    const saved = await store.saveToken({ userSignature: 'kept', refreshToken: 'r', accessToken: 'a' });

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

    const operations: (() => Promise<unknown>)[] = [
      () => store.findToken({ userSignature: 'kept' }),
      () => store.saveToken({ userSignature: 'new', accessToken: 'n' }),
      () => store.getTokens(),
      () => store.deleteToken(saved.id),
    ];
    for (const operation of operations) {
      const { ms, result } = await timed(operation());
      expect(ms).toBeLessThan(BOUND_MS);
      expectUnavailable(result);
    }

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

  it('cuts off a statement that hangs at operationTimeoutMs and recovers once it is free', async () => {
    await using store = open();
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    const locker = await rawConnection(server);
    try {
      await locker.query(`LOCK TABLES \`${store.namespace}\` WRITE`);
      const { ms, result } = await timed(store.findToken({ userSignature: 'u' }));
      expectUnavailable(result);
      expect(ms).toBeGreaterThanOrEqual(OPERATION_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(BOUND_MS);
      if (result.status === 'rejected') expect(String(result.reason)).toContain(`${OPERATION_TIMEOUT_MS} ms`);
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
    expect((await store.findToken({ userSignature: 'u' }))?.accessToken).toBe('a');
  });
});
