import { randomBytes } from 'node:crypto';
import { expectUnavailableWhileDown, untilAnswers } from '@tokens/test-servers';
import { describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, useServer } from './servers.js';

const test = await useServer();
const external = test?.server.external ?? true;

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
    await expectUnavailableWhileDown(store, saved, 3500);

    await test!.server.start();
    await untilAnswers(() => store.findTokenById(saved.id), 20_000);
    expect((await store.findTokenById(saved.id))?.accessToken).toBe('at-before');
    const updated = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-after' });
    expect(updated.version).toBe(2);
  }, 60_000);
});
