import { randomBytes } from 'node:crypto';
import { expectUnavailableWhileDown, untilAnswers } from '@tokens/test-servers';
import { describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { useServer } from './servers.js';

const test = await useServer();

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
    await expectUnavailableWhileDown(store, saved, 4500);

    // moto keeps secrets in memory: after a restart the namespace is empty, and the same store works.
    await test!.server.start();
    await untilAnswers(() => store.findTokenById('probe'), 20_000);
    const again = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-after' });
    expect((await store.findToken({ userSignature: 'down@example.com' }))?.id).toBe(again.id);
  }, 60_000);
});
