import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import {
  expectUnavailableWithinBound,
  timedFailure as failure,
  type SlowProxy,
  startRedis,
  startSlowProxy,
  deadlineToken as token,
} from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Redis } from './helpers.js';

// operationTimeoutMs bounds a whole operation, not each round trip: behind a Redis that answers
// each command in 1.8 s, a save of three round trips (by id, by key, the insert) took 5.4 s. Saves
// are one round trip now, so the delay is longer than the timeout: still answered within the bound.
const server = await startRedis();
afterAll(() => server?.dispose());

const TIMEOUT_MS = 2_000;
const DELAY_MS = 2_500;
// A bound, not a benchmark: generous for a loaded machine, far below two round trips.
const MARGIN_MS = 1_000;

const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
const hex = () => randomBytes(8).toString('hex');

describe.skipIf(!server || server.external)('redis: operationTimeoutMs bounds the whole operation', () => {
  if (!server) return;
  let proxy: SlowProxy;
  afterAll(() => proxy?.close());

  it('behind a slow server, an insert with an id and an update fail with UNAVAILABLE within the bound', async () => {
    proxy = await startSlowProxy(server);
    const namespace = `dl_${hex()}`;
    const store = createRedisStore({ url: `redis://${proxy.host}:${proxy.port}`, namespace, operationTimeoutMs: TIMEOUT_MS });
    opened.push(store);
    const saved = await expectUnavailableWithinBound(store, proxy, {
      timeoutMs: TIMEOUT_MS,
      delayMs: DELAY_MS,
      marginMs: MARGIN_MS,
      warmUp: 'insert',
      // The update was sent before the deadline: the caller is told its outcome is unknown.
      onUpdateError: (error) => expect((error as Error).message).toMatch(/whether the write landed is unknown/),
    });

    // Late answers of the cut-off operations do not disturb the next ones.
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS * 2));
    expect((await store.findTokenById(saved.id))?.id).toBe(saved.id);
  });

  it('a wrong password is reported at once as an authentication failure, not as a timeout', async () => {
    const admin = new Redis(server.url);
    const password = `pw-${hex()}`;
    await admin.config('SET', 'requirepass', password);
    try {
      for (const url of [
        `redis://:wrong-${hex()}@${server.host}:${server.port}`,
        `redis://${server.host}:${server.port}`, // no password at all
      ]) {
        const store = createRedisStore({ url, namespace: `dl_${hex()}`, operationTimeoutMs: 10_000 });
        opened.push(store);
        const { error, ms } = await failure(store.saveToken(token()));
        expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
        expect((error as Error).message).toMatch(/authentication failed/);
        expect((error as Error).message).not.toContain(password);
        expect(ms).toBeLessThan(3_000);
        // Still prompt on the next call, while the client keeps retrying in the background.
        const again = await failure(store.findTokenById('x'));
        expect((again.error as Error).message).toMatch(/authentication failed/);
        expect(again.ms).toBeLessThan(3_000);
      }
      const right = createRedisStore({ url: `redis://:${password}@${server.host}:${server.port}`, namespace: `dl_${hex()}` });
      opened.push(right);
      expect((await right.saveToken(token())).version).toBe(1);
    } finally {
      await admin.config('SET', 'requirepass', '');
      admin.disconnect();
    }
  });
});
