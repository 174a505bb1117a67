import { randomBytes } from 'node:crypto';
import { isTokenStoreError } from '@tokens/core';
import {
  expectUnavailableWithinBound,
  timedFailure as failure,
  type SlowProxy,
  startSlowProxy,
  deadlineToken as token,
} from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

// operationTimeoutMs bounds a whole operation, not each round trip: behind a server answering
// each request in 2.1 s, an update on FerretDB (5 round trips: the insert that finds the key
// taken, the read, claim, write, release) would take 10.5 s. A first save is one round trip now,
// so the delay exceeds the bound by itself (with 1.1 s it would simply succeed).
const test = await useServer();

const TIMEOUT_MS = 2_000;
const DELAY_MS = 2_100;
// A bound, not a benchmark: generous for a loaded machine.
const MARGIN_MS = 1_000;

const hex = () => randomBytes(8).toString('hex');

describe.skipIf(!test || test.server.external)('mongo: operationTimeoutMs bounds the whole operation', () => {
  if (!test) return;
  const { server, raw } = test;
  const namespaces: string[] = [];
  let proxy: SlowProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await dropCollections(raw, namespaces);
  });

  it('behind a slow server, an insert with an id and an update fail with UNAVAILABLE within the bound', async () => {
    proxy = await startSlowProxy(server);
    const namespace = `dl_${hex()}`;
    namespaces.push(namespace);
    await using store = createMongoStore({
      url: `mongodb://${proxy.host}:${proxy.port}/?directConnection=true`,
      database: DATABASE,
      namespace,
      operationTimeoutMs: TIMEOUT_MS,
    });
    await expectUnavailableWithinBound(store, proxy, {
      timeoutMs: TIMEOUT_MS,
      delayMs: DELAY_MS,
      marginMs: MARGIN_MS,
      warmUp: 'insert-with-id-and-update',
    });
  }, 20_000);

  it('wrong credentials are reported at once as an authentication failure', async () => {
    const password = `wrong-${hex()}`;
    const url = server.url.replace('mongodb://', `mongodb://tokens_app:${password}@`);
    await using store = createMongoStore({ url, database: DATABASE, namespace: `dl_${hex()}`, operationTimeoutMs: 10_000 });
    const { error, ms } = await failure(store.saveToken(token()));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/authentication failed/);
    expect((error as Error).message).not.toContain(password);
    expect(ms).toBeLessThan(3_000);
  });
});
