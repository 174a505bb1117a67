import { createServer, type Socket } from 'node:net';
import { isTokenStoreError } from '@tokens/core';
import { expectUnavailableWhileDown, untilAnswers } from '@tokens/test-servers';
import { describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { freshNamespace, TABLE, useServer } from './servers.js';

const test = await useServer();

// Stopping the server needs one this run started: real AWS is left alone.
describe.skipIf(!test || test.server.external)('dynamodb faults (moto stopped and started)', () => {
  it('fails with UNAVAILABLE within operationTimeoutMs while moto is down, then the same store works again', async () => {
    await using store = createDynamoDbStore({
      ...test!.config,
      table: TABLE,
      namespace: freshNamespace('fault'),
      operationTimeoutMs: 3000,
      connectTimeoutMs: 1000,
      maxAttempts: 2,
    });
    const saved = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-before' });

    await test!.server.stop();
    // Generous margin over operationTimeoutMs on a shared machine.
    await expectUnavailableWhileDown(store, saved, 4500);
    for (const operation of [() => store.deleteToken(saved.id), () => store.deleteTokens()]) {
      expect(isTokenStoreError(await operation().catch((caught: unknown) => caught), 'UNAVAILABLE')).toBe(true);
    }

    // moto keeps tables in memory: after a restart the table is gone; the store creates it again.
    await test!.server.start();
    await untilAnswers(() => store.findTokenById('probe'), 20_000);
    const again = await store.saveToken({ userSignature: 'down@example.com', accessToken: 'at-after' });
    expect((await store.findToken({ userSignature: 'down@example.com' }))?.id).toBe(again.id);
    expect(await store.getTokens()).toHaveLength(1);
  }, 60_000);
});

describe('dynamodb: an endpoint that accepts connections and never answers', () => {
  it('every operation fails with UNAVAILABLE within operationTimeoutMs (no hang)', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await using store = createDynamoDbStore({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        operationTimeoutMs: 1000,
        createTable: false,
      });
      for (const [name, operation] of [
        ['findTokenById', () => store.findTokenById('x')],
        ['findToken', () => store.findToken({ userSignature: 'u' })],
        ['saveToken', () => store.saveToken({ userSignature: 'u', accessToken: 'secret-access-token' })],
        ['deleteToken', () => store.deleteToken('x')],
        ['getTokens', () => store.getTokens()],
        ['deleteTokens', () => store.deleteTokens()],
      ] as const) {
        const started = Date.now();
        const error = await (operation as () => Promise<unknown>)().catch((caught: unknown) => caught);
        expect(isTokenStoreError(error, 'UNAVAILABLE'), `${name}: ${String(error)}`).toBe(true);
        expect(Date.now() - started, name).toBeLessThan(4000);
        expect((error as Error).message).toMatch(/within 1000 ms|did not answer in time/);
        expect(String(error)).not.toContain('secret-access-token');
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
