import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { useServer } from './servers.js';

const test = await useServer();

/** Polls until the store answers again: the restart is over when the store says so. */
async function untilAnswers(store: TokenStore, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await store.findTokenById('probe');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Stopping the server needs one this run started: real AWS is left alone.
describe.skipIf(!test || test.server.external)('aws-secrets faults (moto stopped and started)', () => {
  it('fails with UNAVAILABLE within the configured time while moto is down, then recovers', async () => {
    await using store = createAwsSecretsStore({
      ...test!.config,
      namespace: `fault_${randomBytes(6).toString('hex')}`,
      operationTimeoutMs: 3000,
      connectTimeoutMs: 1000,
      maxAttempts: 2,
    });
    const saved = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-before' });

    await test!.server.stop();
    for (const operation of [
      () => store.findTokenById(saved.id),
      () => store.findToken({ userSignature: 'down@example.com' }),
      () => store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-during' }),
      () => store.getTokens(),
    ]) {
      const started = Date.now();
      const error = await operation().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
      expect(Date.now() - started).toBeLessThan(4500);
      expect((error as Error).message).not.toContain('at-before');
    }

    // moto keeps secrets in memory: after a restart the namespace is empty, and the same store works.
    await test!.server.start();
    await untilAnswers(store, 20_000);
    const again = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-after' });
    expect((await store.findToken({ userSignature: 'down@example.com' }))?.id).toBe(again.id);
  }, 60_000);
});
