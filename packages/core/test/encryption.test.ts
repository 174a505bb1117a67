import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkEncryptionAtRest, errorChain } from '../src/conformance/index.js';
import {
  createTokenStore,
  type EncryptionOptions,
  isTokenStoreError,
  loadKeysFromEnv,
  reencryptTokens,
  type StoredToken,
  type TokenStoreError,
} from '../src/index.js';
import { key, MapBackend, type MapDatabase, testKeys } from './encryption-helpers.js';

const CLIENT = { clientId: '1000.CLIENT', clientSecret: 'client-secret-value-1234' };

function setup() {
  const database: MapDatabase = new Map();
  const keys = testKeys();
  const open = (encryption?: EncryptionOptions, namespace = 'tokens') =>
    createTokenStore(new MapBackend(database, namespace), encryption ? { encryption } : {});
  const onK1 = { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.index };
  const onK2 = {
    keys: [
      { id: 'k2', key: keys.k2.toString('base64') },
      { id: 'k1', key: keys.k1 },
    ],
    indexKey: keys.index,
  };
  const rows = (namespace = 'tokens') => [...(database.get(namespace)?.values() ?? [])];
  return { database, keys, open, onK1, onK2, rows };
}

async function codeOf(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isTokenStoreError(error)) throw new Error(`expected a TokenStoreError, got ${String(error)}`);
  return error;
}

function token(i: number) {
  return {
    userSignature: `user${i}@example.com`,
    ...CLIENT,
    accessToken: `1000.access.${i}.aaaaaaaaaaaaaaaa`,
    refreshToken: `1000.refresh.${i}.rrrrrrrrrrrrrrrr`,
    expiryTime: 1_900_000_000_000 + i,
    apiDomain: 'https://www.zohoapis.eu',
  };
}

describe('encryption at rest (core)', () => {
  it('stores no secret and no unkeyed digest; readable fields stay readable; a plain store refuses', async () => {
    const { open, onK1, rows } = setup();
    await checkEncryptionAtRest({
      open: () => open(onK1),
      openPlain: () => open(),
      raw: async () => rows(),
    });
  });

  it('keeps lookups exact and uniqueness enforced through the digests', async () => {
    const { open, onK1, rows } = setup();
    const store = open(onK1);
    const saved = await store.saveToken(token(1));
    const [row] = rows();
    expect(row?.accessToken).toMatch(/^§tokens-hmac:[A-Za-z0-9_-]{43}$/);
    expect(row?.clientSecret).toMatch(/^§tokens-enc:k1:[A-Za-z0-9_-]+$/);
    expect(row?.userSignature).toBe('user1@example.com');
    expect(await store.findToken({ accessToken: token(1).accessToken })).toEqual(saved);
    expect(await store.findToken({ accessToken: `${token(1).accessToken}x` })).toBeNull();
    // The digest read from the database is no key to the token.
    expect(await store.findToken({ accessToken: row?.accessToken as string })).toBeNull();
    const clash = await codeOf(store.saveToken({ ...token(2), refreshToken: token(1).refreshToken }));
    expect(clash.code).toBe('CONFLICT');
    // Undefined keeps, null clears, "" is kept as "" and is no key.
    const updated = await store.saveToken({
      userSignature: 'user1@example.com',
      accessToken: '',
      refreshToken: undefined,
      clientSecret: null,
    });
    expect(updated).toMatchObject({ accessToken: '', refreshToken: token(1).refreshToken, clientSecret: null, version: 2 });
    expect(rows()[0]?.accessToken).toBe('');
  });

  it('rotates: new key current, pass rewrites, old key dropped; a missing key is KEY_UNAVAILABLE naming only its id', async () => {
    const { open, onK1, onK2, keys, rows } = setup();
    const old = open(onK1);
    for (let i = 0; i < 25; i++) await old.saveToken(token(i));
    const rotated = open(onK2);
    expect((await rotated.findToken({ userSignature: 'user3@example.com' }))?.accessToken).toBe(token(3).accessToken);
    await rotated.saveToken({ userSignature: 'user4@example.com', expiryTime: 5 });
    const progress: number[] = [];
    const result = await reencryptTokens(rotated, { batchSize: 10, onProgress: (p) => progress.push(p.scanned) });
    expect(result).toMatchObject({
      currentKeyId: 'k2',
      total: 25,
      scanned: 25,
      rewritten: 24,
      alreadyCurrent: 1,
      failed: 0,
      aborted: false,
    });
    expect(progress).toEqual([10, 20, 25]);
    expect(rows().every((row) => row.clientSecret?.startsWith('§tokens-enc:k2:'))).toBe(true);
    expect((await reencryptTokens(rotated)).rewritten).toBe(0);
    const onlyK2 = open({ keys: [{ id: 'k2', key: keys.k2 }], indexKey: keys.index });
    expect((await onlyK2.getTokens()).length).toBe(25);
    expect((await onlyK2.findToken({ refreshToken: token(7).refreshToken, ...CLIENT }))?.userSignature).toBe('user7@example.com');
    const error = await codeOf(old.findToken({ userSignature: 'user1@example.com' }));
    expect(error.code).toBe('KEY_UNAVAILABLE');
    expect(error.message).toContain('"k2"');
    const printed =
      errorChain(error)
        .map((e) => inspect(e, { depth: 8 }))
        .join('\n') + inspect(old, { showHidden: true, depth: 8 });
    for (const material of [keys.k1, keys.k2, keys.index]) {
      expect(printed).not.toContain(material.toString('base64'));
      expect(printed).not.toContain(material.toString('hex'));
    }
  });

  it('reports records it cannot rewrite and goes on; aborts and resumes', async () => {
    const { open, onK1, onK2, keys, database } = setup();
    const store = open(onK1);
    for (let i = 0; i < 30; i++) await store.saveToken(token(i));
    // One record from a key nobody has any more.
    const stranger = createTokenStore(new MapBackend(database, 'tokens'), {
      encryption: { keys: [{ id: 'lost', key: key() }], indexKey: keys.index },
    });
    await stranger.saveToken(token(99));
    const rotated = open(onK2);
    const controller = new AbortController();
    const first = await reencryptTokens(rotated, {
      batchSize: 5,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.scanned >= 10) controller.abort();
      },
    });
    expect(first).toMatchObject({ aborted: true, scanned: 10 });
    const second = await reencryptTokens(rotated, { batchSize: 7 });
    expect(second).toMatchObject({ total: 31, failed: 1, aborted: false });
    expect(second.rewritten + second.alreadyCurrent).toBe(30);
    expect(second.failures[0]).toMatchObject({ code: 'KEY_UNAVAILABLE' });
    expect(second.failures[0]?.reason).toContain('"lost"');
  });

  it('loses no write of a concurrent application while the pass runs', async () => {
    const { open, onK1, onK2 } = setup();
    const seed = open(onK1);
    for (let i = 0; i < 200; i++) await seed.saveToken(token(i));
    const app = open(onK2);
    const pass = open(onK2);
    let running = true;
    const last = new Map<number, number>();
    const writer = (async () => {
      let n = 0;
      while (running) {
        const i = n % 200;
        await app.saveToken({ userSignature: `user${i}@example.com`, expiryTime: n });
        last.set(i, n++);
      }
    })();
    const result = await reencryptTokens(pass, { batchSize: 20, concurrency: 4 });
    running = false;
    await writer;
    expect(result.failed).toBe(0);
    for (const [i, expiry] of last) expect((await app.findToken({ userSignature: `user${i}@example.com` }))?.expiryTime).toBe(expiry);
  });

  it('migrates a plain store in place: allowPlaintext reads and finds plain records, writes and the pass encrypt them', async () => {
    const { open, onK1, rows } = setup();
    const plain = open();
    for (let i = 0; i < 6; i++) await plain.saveToken(token(i));
    const strict = open(onK1);
    expect((await codeOf(strict.findToken({ userSignature: 'user0@example.com' }))).code).toBe('CORRUPT');
    const migrating = open({ ...onK1, allowPlaintext: true });
    expect((await migrating.findToken({ accessToken: token(1).accessToken }))?.userSignature).toBe('user1@example.com');
    await migrating.saveToken({ userSignature: 'user2@example.com', accessToken: 'new-access-2' });
    expect(rows().filter((row) => row.clientSecret?.startsWith('§tokens-enc:')).length).toBe(1);
    // A new token may not take a value a plain record still holds.
    expect((await codeOf(migrating.saveToken({ ...token(50), refreshToken: token(3).refreshToken }))).code).toBe('CONFLICT');
    const result = await reencryptTokens(migrating);
    expect(result).toMatchObject({ total: 6, rewritten: 5, alreadyCurrent: 1, failed: 0 });
    const text = JSON.stringify(rows());
    for (let i = 0; i < 6; i++) expect(text).not.toContain(token(i).refreshToken);
    expect(text).not.toContain(CLIENT.clientSecret);
    expect((await strict.getTokens()).length).toBe(6);
    expect((await strict.findToken({ accessToken: 'new-access-2' }))?.userSignature).toBe('user2@example.com');
  });

  it('a plain store refuses a clientSecret that looks like an envelope', async () => {
    const { open } = setup();
    const error = await codeOf(open().saveToken({ ...token(1), clientSecret: '§tokens-enc:k1:abc' }));
    expect(error.code).toBe('INVALID_TOKEN');
  });

  it('takes keys from an async keyProvider, retrying after a failure', async () => {
    const { open, onK1 } = setup();
    let calls = 0;
    const store = open({
      keyProvider: async () => {
        calls++;
        if (calls === 1) throw new Error('KMS unreachable');
        return onK1;
      },
    });
    expect((await codeOf(store.saveToken(token(1)))).code).toBe('KEY_UNAVAILABLE');
    expect((await store.saveToken(token(1))).version).toBe(1);
    expect((await store.findToken({ accessToken: token(1).accessToken }))?.userSignature).toBe('user1@example.com');
    expect(calls).toBe(2);
  });

  it('refuses unusable keys with INVALID_OPTIONS, never quoting them', async () => {
    const { open, keys } = setup();
    const short = keys.k1.subarray(0, 16).toString('base64');
    const cases: EncryptionOptions[] = [
      { keys: [{ id: 'k1', key: short }], indexKey: keys.index },
      { keys: [], indexKey: keys.index },
      { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.k1 },
      {
        keys: [
          { id: 'k1', key: keys.k1 },
          { id: 'k1', key: keys.k2 },
        ],
        indexKey: keys.index,
      },
      { keys: [{ id: 'bad id!', key: keys.k1 }], indexKey: keys.index },
      { keys: [{ id: 'k1', key: keys.k1 }] },
      { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.index, keyProvider: async () => ({ keys: [], indexKey: '' }) },
    ];
    for (const encryption of cases) {
      let caught: unknown;
      try {
        open(encryption);
      } catch (error) {
        caught = error;
      }
      expect(isTokenStoreError(caught, 'INVALID_OPTIONS')).toBe(true);
      const text = inspect(caught, { depth: 8 });
      expect(text).not.toContain(short);
      expect(text).not.toContain(keys.k1.toString('base64'));
    }
  });

  it('loads keys from the environment', () => {
    const { keys } = setup();
    const env = {
      TOKENS_ENCRYPTION_KEYS: ` k2:${keys.k2.toString('base64')}, k1:${keys.k1.toString('base64url')} `,
      TOKENS_INDEX_KEY: keys.index.toString('base64'),
    };
    const loaded = loadKeysFromEnv('TOKENS_ENCRYPTION_KEYS', { env });
    expect(loaded.keys.map((entry) => entry.id)).toEqual(['k2', 'k1']);
    const store = createTokenStore(new MapBackend(new Map(), 'tokens'), { encryption: loaded });
    expect(store).toBeDefined();
    expect(() => loadKeysFromEnv('TOKENS_ENCRYPTION_KEYS', { env: {} })).toThrow(/TOKENS_ENCRYPTION_KEYS is not set/);
    expect(() => loadKeysFromEnv('TOKENS_ENCRYPTION_KEYS', { env: { ...env, TOKENS_INDEX_KEY: '' } })).toThrow(/TOKENS_INDEX_KEY/);
    let message = '';
    try {
      loadKeysFromEnv('X', { env: { X: keys.k1.toString('base64'), TOKENS_INDEX_KEY: 'a' } });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/entry 1/);
    expect(message).not.toContain(keys.k1.toString('base64'));
  });

  it('refuses reencryptTokens on a store without encryption', async () => {
    const { open } = setup();
    expect((await codeOf(reencryptTokens(open()))).code).toBe('INVALID_OPTIONS');
  });

  it('returns records the caller may mutate without touching stored state', async () => {
    const { open, onK1 } = setup();
    const store = open(onK1);
    const saved: StoredToken = await store.saveToken(token(1));
    saved.accessToken = 'mutated';
    expect((await store.findTokenById(saved.id))?.accessToken).toBe(token(1).accessToken);
  });
});
