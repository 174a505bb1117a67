import { beforeEach, describe, expect, it } from 'vitest';
import { createTokenStore, isTokenStoreError, type StoredToken, type TokenStore, type TokenStoreErrorCode } from '../src/index.js';
import { MapBackend, type MapDatabase, testKeys } from './encryption-helpers.js';

const CLIENT = { clientId: '1000.CLIENT', clientSecret: 'the-client-secret' };

let cacheSize = 1000;

async function fixture() {
  const database: MapDatabase = new Map();
  const keys = testKeys();
  const encryption = { keys: [{ id: 'k1', key: keys.k1 }], indexKey: keys.index, cacheSize };
  const open = (namespace = 'tokens') => createTokenStore(new MapBackend(database, namespace), { encryption });
  const store = open();
  const a = await store.saveToken({
    userSignature: 'a@example.com',
    ...CLIENT,
    accessToken: 'access-a',
    refreshToken: 'refresh-a',
    apiDomain: 'https://a',
  });
  const b = await store.saveToken({
    userSignature: 'b@example.com',
    ...CLIENT,
    accessToken: 'access-b',
    refreshToken: 'refresh-b',
    apiDomain: 'https://b',
  });
  const rows = (namespace = 'tokens') => database.get(namespace) as Map<string, StoredToken>;
  const edit = (id: string, change: (row: StoredToken) => void, namespace = 'tokens') => change(rows(namespace).get(id) as StoredToken);
  return { database, open, store, a, b, rows, edit };
}

/** Every read path of the tampered record fails with `code` and returns nothing. */
async function expectEveryReadFails(store: TokenStore, token: StoredToken, code: TokenStoreErrorCode) {
  const reads: Array<[string, Promise<unknown>]> = [
    ['findTokenById', store.findTokenById(token.id)],
    ['findToken by user', store.findToken({ userSignature: token.userSignature })],
    ['getTokens', store.getTokens()],
    ['saveToken', store.saveToken({ userSignature: token.userSignature, expiryTime: 1 })],
  ];
  for (const [what, read] of reads) {
    const outcome = await read.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect('error' in outcome && isTokenStoreError(outcome.error, code), `${what} fails with ${code}`).toBe(true);
    if ('error' in outcome) {
      const message = String((outcome.error as Error).message);
      for (const secret of ['access-a', 'refresh-a', 'access-b', 'refresh-b', CLIENT.clientSecret]) expect(message).not.toContain(secret);
    }
  }
}

describe.each([1000, 0])('tampered encrypted records are typed errors, never data (cacheSize %i)', (size) => {
  beforeEach(() => {
    cacheSize = size;
  });

  it('a flipped bit anywhere in the ciphertext → CORRUPT', async () => {
    const { store, a, rows } = await fixture();
    const envelope = rows().get(a.id)?.clientSecret as string;
    for (const position of [envelope.lastIndexOf(':') + 1, envelope.lastIndexOf(':') + 20, envelope.length - 3]) {
      const chars = [...envelope];
      chars[position] = chars[position] === 'A' ? 'B' : 'A';
      rows().get(a.id)!.clientSecret = chars.join('');
      await expectEveryReadFails(store, a, 'CORRUPT');
    }
    rows().get(a.id)!.clientSecret = envelope;
    expect((await store.findTokenById(a.id))?.accessToken).toBe('access-a');
  });

  it('a ciphertext swapped between two records → CORRUPT on both', async () => {
    const { store, a, b, rows } = await fixture();
    const [ra, rb] = [rows().get(a.id)!, rows().get(b.id)!];
    [ra.clientSecret, rb.clientSecret] = [rb.clientSecret, ra.clientSecret];
    await expectEveryReadFails(store, a, 'CORRUPT');
    await expectEveryReadFails(store, b, 'CORRUPT');
  });

  it('a whole record copied into another namespace → CORRUPT there', async () => {
    const { open, a, rows, database } = await fixture();
    database.set('other', new Map([[a.id, { ...rows().get(a.id)! }]]));
    await expectEveryReadFails(open('other'), a, 'CORRUPT');
  });

  it('readable fields edited in the database (user, api domain, expiry) → CORRUPT', async () => {
    for (const change of [
      (row: StoredToken) => {
        row.userSignature = 'attacker@example.com';
      },
      (row: StoredToken) => {
        row.apiDomain = 'https://evil.example';
      },
      (row: StoredToken) => {
        row.expiryTime = 42;
      },
      (row: StoredToken) => {
        row.id = 'moved';
      },
    ]) {
      const { store, a, edit, rows } = await fixture();
      edit(a.id, change);
      const row = rows().get(a.id)!;
      if (row.id !== a.id) {
        rows().delete(a.id);
        rows().set(row.id, row);
      }
      await expectEveryReadFails(store, { ...a, id: row.id, userSignature: row.userSignature }, 'CORRUPT');
    }
  });

  it('digests swapped between records → CORRUPT, and a lookup never returns the other token', async () => {
    const { store, a, b, rows } = await fixture();
    const [ra, rb] = [rows().get(a.id)!, rows().get(b.id)!];
    [ra.accessToken, rb.accessToken] = [rb.accessToken, ra.accessToken];
    const found = await store.findToken({ accessToken: 'access-a' }).catch((error: unknown) => error);
    expect(isTokenStoreError(found, 'CORRUPT')).toBe(true);
    await expectEveryReadFails(store, a, 'CORRUPT');
  });

  it('an unknown key id → KEY_UNAVAILABLE naming it; a truncated or unversioned envelope → CORRUPT', async () => {
    const { store, a, b, rows } = await fixture();
    const envelope = rows().get(a.id)!.clientSecret as string;
    rows().get(a.id)!.clientSecret = envelope.replace('§tokens-enc:k1:', '§tokens-enc:k9:');
    await expectEveryReadFails(store, a, 'KEY_UNAVAILABLE');
    const error = await store.findTokenById(a.id).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(/key "k9"/);
    rows().get(a.id)!.clientSecret = envelope;
    rows().get(b.id)!.clientSecret = envelope.slice(0, 40);
    await expectEveryReadFails(store, b, 'CORRUPT');
    rows().get(b.id)!.clientSecret = '§tokens-enc:k1:AA';
    await expectEveryReadFails(store, b, 'CORRUPT');
  });

  it('a large (compressed) record round-trips; a flipped bit or a switched format byte → CORRUPT', async () => {
    const { store, rows } = await fixture();
    const big = await store.saveToken({
      userSignature: 'big@example.com',
      accessToken: `jwt.${'a'.repeat(20_000)}`,
      refreshToken: 'r'.repeat(30_000),
    });
    const envelope = rows().get(big.id)?.clientSecret as string;
    expect(envelope.length).toBeLessThan(10_000);
    expect((await store.findToken({ accessToken: big.accessToken }))?.refreshToken).toBe(big.refreshToken);
    const prefix = envelope.slice(0, envelope.lastIndexOf(':') + 1);
    const blob = Buffer.from(envelope.slice(prefix.length), 'base64url');
    for (const change of [(b: Buffer) => b.writeUInt8(1, 0), (b: Buffer) => b.writeUInt8(b[40]! ^ 1, 40)]) {
      const copy = Buffer.from(blob);
      change(copy);
      rows().get(big.id)!.clientSecret = prefix + copy.toString('base64url');
      await expectEveryReadFails(store, big, 'CORRUPT');
    }
  });

  it('a plain record slipped into an encrypted store → CORRUPT (without allowPlaintext)', async () => {
    const { store, a, rows } = await fixture();
    Object.assign(rows().get(a.id)!, { clientSecret: 'x', accessToken: 'planted', refreshToken: 'planted-r' });
    await expectEveryReadFails(store, a, 'CORRUPT');
  });
});
