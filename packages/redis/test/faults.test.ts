import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { createTokenStore, isTokenStoreError, type OAuthToken, type StoredToken, type TokenStore } from '@tokens/core';
import { startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOwnClient } from '../src/connection.js';
import { createRedisStore, RedisBackend } from '../src/index.js';
import { missingServer, Redis } from './helpers.js';

const server = await startRedis();
const TIMEOUT_MS = 1_000;
// Timers and a loaded machine: what "within the timeout" may overshoot by.
const SLACK_MS = 750;

const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => server?.dispose());

const freshNamespace = () => `flt_${randomBytes(6).toString('hex')}`;
const token = (overrides: OAuthToken = {}): OAuthToken => ({
  userSignature: `user-${randomBytes(6).toString('hex')}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: 'client-secret-value',
  refreshToken: `rt-${randomBytes(8).toString('hex')}`,
  accessToken: `at-${randomBytes(8).toString('hex')}`,
  ...overrides,
});

/** Resolves to the error and how long the operation took to fail. */
async function failure(operation: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected the operation to fail');
}

describe.skipIf(!server || server.external)('redis faults', () => {
  if (!server) return;
  const open = (options: Parameters<typeof createRedisStore>[0] = {}) => {
    const store = createRedisStore({ url: server.url, namespace: freshNamespace(), operationTimeoutMs: TIMEOUT_MS, ...options });
    opened.push(store);
    return store;
  };
  /** Runs `body` with the server stopped, and starts it again whatever happens. */
  const whileDown = async (body: () => Promise<void>) => {
    await server.stop();
    try {
      await body();
    } finally {
      await server.start();
    }
  };

  it('while Redis is down every operation fails with UNAVAILABLE within the operation timeout', async () => {
    const store = open();
    const saved = await store.saveToken(token());
    await whileDown(async () => {
      const operations: [string, () => Promise<unknown>][] = [
        ['findToken', () => store.findToken({ userSignature: saved.userSignature })],
        ['findTokenById', () => store.findTokenById(saved.id)],
        ['saveToken', () => store.saveToken(token())],
        ['deleteToken', () => store.deleteToken(saved.id)],
        ['getTokens', () => store.getTokens()],
        ['deleteTokens', () => store.deleteTokens()],
      ];
      for (const [name, run] of operations) {
        const { error, ms } = await failure(run());
        expect(isTokenStoreError(error, 'UNAVAILABLE'), `${name}: ${String(error)}`).toBe(true);
        expect((error as Error).message).toMatch(new RegExp(`^@tokens/redis: ${name}: `));
        expect(ms, name).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      }
    });
  });

  it('an operation in flight when Redis stops fails with UNAVAILABLE within the operation timeout', async () => {
    const store = open();
    const saved = await store.saveToken(token());
    const pauser = new Redis(server.url);
    // Scripts count as writes: the lookup below reaches the server and stays unanswered.
    await pauser.client('PAUSE', 10_000, 'WRITE');
    pauser.disconnect();
    const pending = failure(store.findToken({ userSignature: saved.userSignature }));
    await whileDown(async () => {
      const { error, ms } = await pending;
      expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });
  });

  it('a save cut off by a lost connection is not re-sent when Redis comes back', async () => {
    const namespace = freshNamespace();
    const store = open({ namespace });
    await store.saveToken(token());
    // The client createRedisStore would make, driven through the backend so the insert itself is in flight.
    const client = createOwnClient({ url: server.url, connectTimeoutMs: TIMEOUT_MS, operationTimeoutMs: TIMEOUT_MS });
    client.on('error', () => {});
    const backend = new RedisBackend(client, {
      namespace,
      owned: true,
      operationTimeoutMs: TIMEOUT_MS,
    });
    opened.push(createTokenStore(backend));
    const record: StoredToken = {
      id: 'cut-off',
      version: 1,
      userSignature: 'cut-off-user',
      clientId: null,
      clientSecret: null,
      redirectUrl: null,
      grantToken: null,
      refreshToken: null,
      accessToken: 'cut-off-access',
      expiryTime: null,
      apiDomain: null,
    };
    await backend.list();
    const pauser = new Redis(server.url);
    await pauser.client('PAUSE', 10_000, 'WRITE');
    pauser.disconnect();
    const pending = Promise.resolve(backend.insert(record));
    // Back before the client gives up on the cut-off command: a client that re-sends would now.
    await server.stop();
    await server.start();
    const [outcome] = await Promise.allSettled([pending]);
    expect(outcome.status).toBe('rejected');
    // Whatever the store's client would re-send on reconnect goes before this lookup.
    expect(await store.findTokenById('cut-off')).toBeNull();
    expect(await store.getTokens()).toHaveLength(1);
  });

  it('the same store works again once Redis is back, with its data', async () => {
    const store = open();
    const saved = await store.saveToken(token());
    await whileDown(async () => {
      const { error } = await failure(store.findTokenById(saved.id));
      expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    });
    expect(await store.findToken({ userSignature: saved.userSignature })).toEqual(saved);
    expect((await store.saveToken({ id: saved.id, accessToken: 'after restart' })).version).toBe(2);
  });

  it('a store created while Redis is down works once it is up', async () => {
    let store: TokenStore | undefined;
    await whileDown(async () => {
      store = open();
      const { error, ms } = await failure(store.saveToken(token()));
      expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });
    const saved = await store?.saveToken(token());
    expect(saved?.version).toBe(1);
  });

  it('the operation timeout is configurable', async () => {
    const store = open({ operationTimeoutMs: 300 });
    await store.getTokens();
    await whileDown(async () => {
      const { error, ms } = await failure(store.getTokens());
      expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
      expect(ms).toBeLessThan(300 + SLACK_MS);
    });
  });

  it('errors and inspect output name no password and no token', async () => {
    const password = 'pw-secret-do-not-print';
    const url = server.url.replace('redis://', `redis://:${password}@`);
    await whileDown(async () => {
      const store = open({ url });
      const secret = token();
      const { error } = await failure(store.saveToken(secret));
      const text = `${String(error)} ${(error as Error).stack} ${inspect(error, { depth: 0 })} ${inspect(store)}`;
      for (const value of [password, secret.accessToken, secret.refreshToken, secret.clientSecret]) {
        expect(text).not.toContain(value);
      }
    });
  });

  it('operations after close fail with CLOSED, not UNAVAILABLE', async () => {
    const store = open();
    await store.close();
    const { error } = await failure(store.getTokens());
    expect(isTokenStoreError(error, 'CLOSED')).toBe(true);
  });
});

if (!server) it.skip(missingServer('redis-server'), () => {});
