import { describe, expect, it } from 'vitest';
import { isTokenStoreError, TokenStoreError } from '../src/errors.js';
import { createTokenRefresher, INSERT_NEW, isLeaseRecord } from '../src/index.js';
import { createTokenStore, type TokenStore } from '../src/store.js';
import type { OAuthToken } from '../src/token.js';
import { MapBackend } from './encryption-helpers.js';

/**
 * A third-party store (no true insert) whose first saves of a lease collide and give up, as a
 * store that claims keys before it writes does under contention (aws-secrets did, in CI).
 */
function collidingStore(inner: TokenStore, collisions: number): TokenStore & { leaseSaves: number } {
  const wrapper = {
    leaseSaves: 0,
    namespace: inner.namespace,
    findToken: (partial: OAuthToken) => inner.findToken(partial),
    findTokenById: (id: string) => inner.findTokenById(id),
    async saveToken(token: OAuthToken) {
      if (isLeaseRecord(token) && token.id === undefined && wrapper.leaseSaves++ < collisions) {
        throw new TokenStoreError({
          code: 'CONFLICT',
          backend: 'third-party',
          operation: 'saveToken',
          reason: 'another stored token already has this userSignature',
        });
      }
      return inner.saveToken(token);
    },
    deleteToken: (id: string) => inner.deleteToken(id),
    getTokens: () => inner.getTokens(),
    deleteTokens: () => inner.deleteTokens(),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
  return wrapper;
}

describe('refresh lease on a store without a true insert', () => {
  it('a lease save that collides is "someone else holds it": the caller waits and refreshes, no CONFLICT', async () => {
    const inner = newStore();
    const store = collidingStore(inner, 2);
    expect(INSERT_NEW in store).toBe(false);
    const saved = await store.saveToken({ userSignature: 'ana@example.com', refreshToken: 'rt-1', accessToken: 'at-0', expiryTime: 1 });
    let requests = 0;
    const refresher = createTokenRefresher(store, {
      leaseMs: 2_000,
      waitMs: 5_000,
      refresh: async () => {
        requests++;
        return { accessToken: 'at-1', expiryTime: Date.now() + 3_600_000 };
      },
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => refresher.getAccessToken({ userSignature: saved.userSignature! })));
    expect(results.map((result) => result.accessToken)).toEqual(Array(5).fill('at-1'));
    expect(requests).toBe(1);
    expect(store.leaseSaves).toBe(3);
    expect((await inner.getTokens()).map((token) => token.id)).toEqual([saved.id]);
  });

  it('any other store error still reaches the caller', async () => {
    const inner = newStore();
    const saved = await inner.saveToken({ userSignature: 'ana@example.com', refreshToken: 'rt-1', accessToken: 'at-0', expiryTime: 1 });
    const store: TokenStore = {
      ...collidingStore(inner, 0),
      async saveToken() {
        throw new TokenStoreError({ code: 'UNAVAILABLE', backend: 'third-party', operation: 'saveToken', reason: 'the server is down' });
      },
    };
    const refresher = createTokenRefresher(store, { refresh: async () => ({ accessToken: 'at-1', expiryTime: Date.now() + 60_000 }) });
    const error = await refresher.getAccessToken({ userSignature: saved.userSignature! }).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
  });
});

function newStore(): TokenStore {
  return createTokenStore(new MapBackend(new Map(), 'tokens'));
}
