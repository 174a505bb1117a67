import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken } from '@tokens/core';
import { type SlowProxy, startSlowProxy } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

// operationTimeoutMs bounds a whole operation, not each round trip: behind a server answering
// each request in 1.1 s, a save of three round trips (by id, by key, the insert) took 3.3 s.
const test = await useServer();

const TIMEOUT_MS = 2_000;
const DELAY_MS = 1_100;
// A bound, not a benchmark: generous for a loaded machine.
const MARGIN_MS = 1_000;

const hex = () => randomBytes(8).toString('hex');
const token = (overrides: OAuthToken = {}): OAuthToken => ({
  userSignature: `user-${hex()}`,
  refreshToken: `rt-${hex()}`,
  accessToken: `at-${hex()}`,
  ...overrides,
});

async function failure(operation: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error(`expected the operation to fail (it succeeded after ${Math.round(performance.now() - started)} ms)`);
}

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
    const saved = await store.saveToken(token({ id: `id-${hex()}` }));
    await store.saveToken({ userSignature: saved.userSignature, accessToken: `at-${hex()}` });
    proxy.delayMs = DELAY_MS;

    const insert = await failure(store.saveToken(token({ id: `id-${hex()}` })));
    expect(isTokenStoreError(insert.error, 'UNAVAILABLE'), String(insert.error)).toBe(true);
    expect(insert.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    const update = await failure(store.saveToken({ userSignature: saved.userSignature, accessToken: `at-${hex()}` }));
    expect(isTokenStoreError(update.error, 'UNAVAILABLE'), String(update.error)).toBe(true);
    expect(update.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    proxy.delayMs = 0;
  });

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
