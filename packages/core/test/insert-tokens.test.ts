import { describe, expect, it } from 'vitest';
import {
  canInsertTokens,
  createTokenStore,
  type InsertResult,
  insertTokens,
  isTokenStoreError,
  SEALED_PREFIX,
  type StoredToken,
  type TokenStore,
} from '../src/index.js';
import { MapBackend, type MapDatabase, testKeys } from './encryption-helpers.js';

/** A MapBackend with a batch insert that records the batches it was sent. */
class BatchBackend extends MapBackend {
  readonly batches: StoredToken[][] = [];
  answer: ((records: readonly StoredToken[]) => InsertResult[]) | undefined;

  insertMany(records: readonly StoredToken[]): InsertResult[] {
    this.batches.push([...records]);
    return this.answer ? this.answer(records) : records.map((record) => this.insert(record));
  }
}

const token = (n: number) => ({ userSignature: `user-${n}@example.com`, accessToken: `access-${n}`, refreshToken: `refresh-${n}` });

describe('insertTokens', () => {
  it('sends the batches to insertMany, at most 1,000 records each, without the ones that collide within the call', async () => {
    const backend = new BatchBackend(new Map(), 'tokens');
    const store = createTokenStore(backend);
    const tokens = Array.from({ length: 2_500 }, (_, i) => token(i));
    tokens.splice(10, 0, { ...token(3), accessToken: 'another-access' });
    const results = await insertTokens(store, tokens);
    expect(backend.batches.map((batch) => batch.length)).toEqual([999, 1_000, 501]);
    expect(results[10]).toBeNull();
    expect(results.filter((result) => result !== null)).toHaveLength(2_500);
    expect(backend.rows.size).toBe(2_500);
  });

  it('a record the backend reports as duplicate is null; a wrong count from the backend is CORRUPT', async () => {
    const backend = new BatchBackend(new Map(), 'tokens');
    const store = createTokenStore(backend);
    backend.answer = (records) => records.map((_, i) => (i === 1 ? 'duplicate' : 'inserted'));
    expect((await insertTokens(store, [token(1), token(2), token(3)])).map((result) => result !== null)).toEqual([true, false, true]);
    backend.answer = () => ['inserted'];
    const error = await insertTokens(store, [token(4), token(5)]).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'CORRUPT')).toBe(true);
  });

  it('an encrypted store encrypts every record of the batch and reads them back', async () => {
    const database: MapDatabase = new Map();
    const keys = testKeys();
    const backend = new BatchBackend(database, 'tokens');
    const store = createTokenStore(backend, { encryption: { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.index } });
    const results = await insertTokens(store, [token(1), token(2)]);
    expect(backend.batches).toHaveLength(1);
    for (const row of backend.rows.values()) {
      expect(JSON.stringify(row)).not.toContain('access-');
      expect(JSON.stringify(row)).not.toContain('refresh-');
    }
    expect(await store.findToken({ accessToken: 'access-2' })).toEqual(results[1]);
    // A duplicate is found through the digests the index holds.
    expect(await insertTokens(store, [{ ...token(9), accessToken: 'access-1' }])).toEqual([null]);
  });

  it('a store without encryption refuses to insert what looks like an encrypted record', async () => {
    const store = createTokenStore(new BatchBackend(new Map(), 'tokens'));
    const error = await insertTokens(store, [{ ...token(1), clientSecret: `${SEALED_PREFIX}v1:not-really` }]).catch(
      (caught: unknown) => caught,
    );
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
  });

  it('a closed store is CLOSED; a store not built by createTokenStore is a TypeError', async () => {
    const store = createTokenStore(new MapBackend(new Map(), 'tokens'));
    await store.close();
    const closed = await insertTokens(store, [token(1)]).catch((caught: unknown) => caught);
    expect(isTokenStoreError(closed, 'CLOSED')).toBe(true);
    const thirdParty = { findToken: store.findToken, saveToken: store.saveToken } as unknown as TokenStore;
    expect(canInsertTokens(thirdParty)).toBe(false);
    await expect(insertTokens(thirdParty, [token(1)])).rejects.toThrow(TypeError);
  });
});
