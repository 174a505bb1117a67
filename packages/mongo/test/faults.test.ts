import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, useServer } from './servers.js';

const test = await useServer();
const external = test?.server.external ?? true;

/** Polls until the store answers again: the server restart is over when the store says so. */
async function untilAnswers(store: TokenStore, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await store.findTokenById(id);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Stopping the server needs one this run started; an external MongoDB is left alone.
describe.skipIf(external)('mongo faults (FerretDB stopped and started)', () => {
  it('fails with UNAVAILABLE within the configured time while the server is down, then recovers', async () => {
    const namespace = `fault_${randomBytes(6).toString('hex')}`;
    await using store = createMongoStore({
      url: test!.server.url,
      database: DATABASE,
      namespace,
      connectTimeoutMs: 1000,
      operationTimeoutMs: 2000,
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
      expect(Date.now() - started).toBeLessThan(3500);
      expect(String((error as Error).message)).not.toContain('at-before');
    }

    await test!.server.start();
    await untilAnswers(store, saved.id, 20_000);
    expect((await store.findTokenById(saved.id))?.accessToken).toBe('at-before');
    const updated = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-after' });
    expect(updated.version).toBe(2);
  }, 60_000);
});
