import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { missingServer } from './helpers.js';

const server = await startRedis();
const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => server?.dispose());

describe.skipIf(!server)('redis: two store instances on one server', () => {
  /** Two stores with their own connections on one namespace: two app servers, as far as Redis can tell. */
  const pair = (): [TokenStore, TokenStore] => {
    const namespace = `cc_${randomBytes(6).toString('hex')}`;
    const stores: [TokenStore, TokenStore] = [
      createRedisStore({ url: server?.url, namespace }),
      createRedisStore({ url: server?.url, namespace }),
    ];
    opened.push(...stores);
    return stores;
  };

  it('racing first saves and updates of the same users: one record each, every acknowledged save counted', async () => {
    const [a, b] = pair();
    const users = Array.from({ length: 10 }, (_, i) => `user-${i}@example.com`);
    const savesPerStore = 5;
    const acknowledged = new Map<string, number>(users.map((user) => [user, 0]));
    await Promise.all(
      [a, b].flatMap((store, which) =>
        users.map(async (user) => {
          for (let i = 0; i < savesPerStore; i++) {
            await store.saveToken({ userSignature: user, accessToken: `at-${which}-${i}-${user}`, refreshToken: `rt-${which}-${user}` });
            acknowledged.set(user, (acknowledged.get(user) ?? 0) + 1);
          }
        }),
      ),
    );
    const tokens = await a.getTokens();
    expect(tokens).toHaveLength(users.length);
    for (const user of users) {
      const found = tokens.filter((token) => token.userSignature === user);
      expect(found).toHaveLength(1);
      expect(found[0]?.version).toBe(acknowledged.get(user));
      expect(found[0]?.version).toBe(2 * savesPerStore);
    }
  });

  it('a compare-and-set with a version another instance already replaced gets CONFLICT and writes nothing', async () => {
    const [a, b] = pair();
    const saved = await a.saveToken({ userSignature: 'cas@example.com', accessToken: 'at-1' });
    const readByB = await b.findToken({ userSignature: 'cas@example.com' });
    await a.saveToken({ userSignature: 'cas@example.com', accessToken: 'at-2', version: saved.version });
    const stale = b.saveToken({ userSignature: 'cas@example.com', accessToken: 'at-3', version: readByB?.version });
    await expect(stale).rejects.toSatisfy((error) => isTokenStoreError(error, 'CONFLICT'));
    const current = await b.findToken({ userSignature: 'cas@example.com' });
    expect(current?.accessToken).toBe('at-2');
    expect(current?.version).toBe(2);
    expect(await b.findToken({ accessToken: 'at-3' })).toBeNull();
  });

  it('racing compare-and-set saves of one version on two instances: exactly one wins', async () => {
    const [a, b] = pair();
    const saved = await a.saveToken({ userSignature: 'race@example.com', accessToken: 'at-0' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).saveToken({ userSignature: 'race@example.com', accessToken: `at-${i + 1}`, version: saved.version }),
      ),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(isTokenStoreError(result.reason, 'CONFLICT')).toBe(true);
    }
    expect((await b.findTokenById(saved.id))?.version).toBe(2);
  });
});

if (!server) it.skip(missingServer('redis-server'), () => {});
