import { randomBytes } from 'node:crypto';
import { canInsertTokens, insertTokens, isTokenStoreError, type OAuthToken, type StoredToken, type TokenStore } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';

export interface InsertTokensTarget {
  name: string;
  /** A store on `namespace`; called twice for the two-instance case. */
  open(namespace: string): TokenStore | Promise<TokenStore>;
  /** Drops what the cases left behind. */
  cleanup?(namespaces: string[]): Promise<void>;
  /** Tokens of the large case (default 1,200: more than one batch). */
  many?: number;
}

/**
 * `insertTokens` (core's batch insert) on one backend: what the backend's `insertMany` (or core's
 * one-by-one fallback) must keep: each token inserted only if its id and keys are free, nothing
 * of a refused token written, the stored tokens untouched, racing batches ending in one record
 * per user. Vitest only (a test of this repository).
 */
export function describeInsertTokens(target: InsertTokensTarget): void {
  const opened: TokenStore[] = [];
  const namespaces: string[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((store) => store.close()));
    await target.cleanup?.(namespaces.splice(0));
  });
  const open = async (namespace: string) => {
    const store = await target.open(namespace);
    opened.push(store);
    return store;
  };
  const fresh = async () => {
    const namespace = `it_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    namespaces.push(namespace);
    return { namespace, store: await open(namespace) };
  };
  const token = (n: number | string, extra: OAuthToken = {}): OAuthToken => ({
    userSignature: `user-${n}@example.com`,
    clientId: 'client',
    clientSecret: 'client-secret',
    accessToken: `access-${n}`,
    refreshToken: `refresh-${n}`,
    expiryTime: 1_700_000_000_000,
    apiDomain: 'https://www.zohoapis.com',
    ...extra,
  });

  describe(`insertTokens: ${target.name}`, () => {
    it('is offered by the store', async () => {
      const { store } = await fresh();
      expect(canInsertTokens(store)).toBe(true);
    });

    const many = target.many ?? 1_200;
    it(`${many} new tokens${many > 1_000 ? ' (more than one batch)' : ''}: every one inserted at version 1, found by id and by each key`, async () => {
      const { store } = await fresh();
      const count = many;
      const tokens = Array.from({ length: count }, (_, i) => token(i, i % 2 === 0 ? { id: `given-${i}` } : {}));
      const results = await insertTokens(store, tokens);
      expect(results).toHaveLength(count);
      expect(results.every((result) => result !== null && result.version === 1)).toBe(true);
      expect(results[0]?.id).toBe('given-0');
      for (const i of [0, 1, count >> 1, count - 1]) {
        const inserted = results[i] as StoredToken;
        expect(await store.findTokenById(inserted.id)).toEqual(inserted);
        expect(await store.findToken({ userSignature: `user-${i}@example.com` })).toEqual(inserted);
        expect(await store.findToken({ accessToken: `access-${i}` })).toEqual(inserted);
        expect(await store.findToken({ refreshToken: `refresh-${i}`, clientId: 'client', clientSecret: 'client-secret' })).toEqual(
          inserted,
        );
      }
      expect(await store.getTokens()).toHaveLength(count);
    });

    it('a token whose id or key is stored already is not written (null), the stored one untouched, the others inserted', async () => {
      const { store } = await fresh();
      const ana = await store.saveToken(token('ana'));
      const bob = await store.saveToken(token('bob', { id: 'id-of-bob' }));
      const results = await insertTokens(store, [
        token(1),
        token('ana', { accessToken: 'a-new-access' }),
        token(2, { id: 'id-of-bob' }),
        token(3, { accessToken: 'access-ana' }),
        token(4, { refreshToken: 'refresh-bob' }),
        token(5),
      ]);
      expect(results.map((result) => result !== null)).toEqual([true, false, false, false, false, true]);
      expect(await store.findTokenById(ana.id)).toEqual(ana);
      expect(await store.findTokenById(bob.id)).toEqual(bob);
      expect(await store.findToken({ accessToken: 'a-new-access' })).toBeNull();
      for (const n of [2, 3, 4]) expect(await store.findToken({ userSignature: `user-${n}@example.com` })).toBeNull();
      expect((await store.getTokens()).map((stored) => stored.userSignature).sort()).toEqual(
        ['user-1@example.com', 'user-5@example.com', 'user-ana@example.com', 'user-bob@example.com'].sort(),
      );
    });

    it('tokens of one call that share a key or id: the first is inserted, the later ones are null', async () => {
      const { store } = await fresh();
      const results = await insertTokens(store, [
        token(1),
        token(1, { accessToken: 'other-access', refreshToken: 'other-refresh' }),
        token(2, { id: 'same-id' }),
        token(3, { id: 'same-id' }),
        token(4, { refreshToken: 'shared-refresh' }),
        token(5, { refreshToken: 'shared-refresh' }),
      ]);
      expect(results.map((result) => result !== null)).toEqual([true, false, true, false, true, false]);
      expect(await store.getTokens()).toHaveLength(3);
      expect(await store.findToken({ accessToken: 'other-access' })).toBeNull();
    });

    it('one bad token refuses the whole call with INVALID_TOKEN before anything is written', async () => {
      const { store } = await fresh();
      const error = await insertTokens(store, [token(1), token(2, { accessToken: 42 as unknown as string }), token(3)]).catch(
        (caught: unknown) => caught,
      );
      expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
      expect((error as Error).message).toMatch(/insertTokens: token 1: /);
      const noToken = await insertTokens(store, [token(4), { userSignature: 'no-token@example.com' }]).catch((caught: unknown) => caught);
      expect(isTokenStoreError(noToken, 'INVALID_TOKEN')).toBe(true);
      expect(await store.getTokens()).toEqual([]);
    });

    it('two store instances inserting overlapping batches at once: one record per user, each inserted by exactly one call', async () => {
      const { namespace, store } = await fresh();
      const other = await open(namespace);
      const users = 60;
      const batch = (offset: number) =>
        Array.from({ length: users }, (_, i) => token((i + offset) % users, { accessToken: `at-${offset}-${i}` }));
      const [first, second] = await Promise.all([insertTokens(store, batch(0)), insertTokens(other, batch(17).reverse())]);
      const winners = new Map<string, number>();
      for (const result of [...first, ...second]) {
        if (result) winners.set(result.userSignature as string, (winners.get(result.userSignature as string) ?? 0) + 1);
      }
      expect(winners.size).toBe(users);
      expect([...winners.values()].every((count) => count === 1)).toBe(true);
      const stored = await store.getTokens();
      expect(stored).toHaveLength(users);
      expect(new Set(stored.map((record) => record.userSignature)).size).toBe(users);
    });

    it('a second call with the same tokens writes nothing and answers null for each', async () => {
      const { store } = await fresh();
      const tokens = Array.from({ length: 20 }, (_, i) => token(i, { id: `again-${i}` }));
      expect((await insertTokens(store, tokens)).every((result) => result !== null)).toBe(true);
      const before = await store.getTokens();
      expect((await insertTokens(store, tokens)).every((result) => result === null)).toBe(true);
      expect(sortById(await store.getTokens())).toEqual(sortById(before));
    });
  });
}

function sortById(tokens: StoredToken[]): StoredToken[] {
  return [...tokens].sort((a, b) => a.id.localeCompare(b.id));
}
