import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { missingServer } from './helpers.js';

const cluster = await startRedisCluster();
const TIMEOUT_MS = 1_000;
const SLACK_MS = 750;

const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => cluster?.dispose());

describe.skipIf(!cluster || cluster.external)('redis cluster faults', () => {
  it('while the cluster is down operations fail with UNAVAILABLE in time, and the same store works once it is back', async () => {
    if (!cluster) return;
    const store = createRedisStore({
      cluster: { nodes: cluster.nodes },
      namespace: `flc_${randomBytes(6).toString('hex')}`,
      operationTimeoutMs: TIMEOUT_MS,
    });
    opened.push(store);
    const saved = await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'at-1' });
    await cluster.stop();
    try {
      for (const run of [
        () => store.findToken({ userSignature: 'alice@example.com' }),
        () => store.saveToken({ id: saved.id, accessToken: 'at-2' }),
      ]) {
        const started = performance.now();
        const error = await run().then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
        expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      }
    } finally {
      await cluster.start();
    }
    const again = await store.saveToken({ id: saved.id, accessToken: 'at-3' });
    expect(again.version).toBe(2);
    expect((await store.findToken({ userSignature: 'alice@example.com' }))?.accessToken).toBe('at-3');
  });
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
