import { randomBytes } from 'node:crypto';
import { isTokenStoreError } from '@tokens/core';
import {
  expectUnavailableWithinBound,
  timedFailure as failure,
  type SlowProxy,
  startMariaDb,
  startSlowProxy,
  deadlineToken as token,
} from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionOptions, dropTables, freshNamespace, openStore } from './helpers.js';

// operationTimeoutMs bounds a whole operation, not each statement: behind a server answering
// every statement in 1.1 s, a save of three statements took 3.3 s and an update 2.2 s. A save is
// one round trip now (one CALL), so the proxy delays each answer past the bound itself.
const server = await startMariaDb();
afterAll(() => server?.dispose());

const TIMEOUT_MS = 2_000;
const DELAY_MS = 2_500;
// A bound, not a benchmark: generous for a loaded machine, far below two round trips.
const MARGIN_MS = 1_000;

const hex = () => randomBytes(8).toString('hex');

describe.skipIf(!server)('mysql: operationTimeoutMs bounds the whole operation', () => {
  if (!server) return;
  const tables: string[] = [];
  let proxy: SlowProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await dropTables(server, tables);
  });

  it.skipIf(server.external)(
    'behind a slow server, an insert with an id and an update fail with UNAVAILABLE within the bound',
    async () => {
      proxy = await startSlowProxy(server);
      const namespace = freshNamespace();
      tables.push(namespace);
      await using store = openStore(server, { host: proxy.host, port: proxy.port, namespace, operationTimeoutMs: TIMEOUT_MS });
      // Every statement once without delay: a connection prepares each statement once (a round trip).
      await expectUnavailableWithinBound(store, proxy, {
        timeoutMs: TIMEOUT_MS,
        delayMs: DELAY_MS,
        marginMs: MARGIN_MS,
        warmUp: 'insert-with-id-and-update',
      });
    },
  );

  it('a wrong password is reported at once as an authentication failure', async () => {
    const password = `wrong-${hex()}`;
    await using store = openStore(server, {
      ...connectionOptions(server),
      password,
      namespace: freshNamespace(),
      operationTimeoutMs: 10_000,
    });
    const { error, ms } = await failure(store.saveToken(token()));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/authentication failed/);
    expect((error as Error).message).not.toContain(password);
    expect(ms).toBeLessThan(3_000);
  });
});
