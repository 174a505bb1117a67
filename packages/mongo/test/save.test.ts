import { randomBytes } from 'node:crypto';
import { createTokenStore, DATA_FIELDS, hashKey, isTokenStoreError, SEALED_PREFIX, type TokenStore } from '@tokens/core';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type TokenDocument, toDocument } from '../src/document.js';
import { createMongoStore, MongoBackend } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const ferret = test ? typeof (await test.raw.db(DATABASE).command({ buildInfo: 1 })).ferretdbVersion === 'string' : false;
const used: string[] = [];

/** A client that records every command it sends (one per round trip; heartbeats are not commands). */
function countingClient(): { client: MongoClient; sent: string[] } {
  const client = new MongoClient(test!.server.url, { monitorCommands: true });
  const sent: string[] = [];
  client.on('commandStarted', (event) => {
    if (event.commandName !== 'endSessions') sent.push(event.commandName);
  });
  return { client, sent };
}

/** A store on a counting client, prepared (indexes, buildInfo), so counts show steady-state trips. */
async function countedStore(options: { oneStatement?: boolean } = {}) {
  const namespace = `save_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  const { client, sent } = countingClient();
  const collection = client.db(DATABASE).collection<TokenDocument>(namespace);
  const store: TokenStore = options.oneStatement
    ? createTokenStore(new MongoBackend({ namespace, collection, operationTimeoutMs: 10_000, assumeAtomicUpdates: true }))
    : createMongoStore({ client, database: DATABASE, namespace });
  await store.findTokenById('warm-up');
  sent.length = 0;
  const raw = test!.raw.db(DATABASE).collection<TokenDocument>(namespace);
  const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; trips: string[] }> => {
    sent.length = 0;
    const result = await run();
    return { result, trips: sent.splice(0) };
  };
  return { store, raw, counted, client };
}

const clients: MongoClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

describe.skipIf(!test)('mongo save: round trips per save, counted at the driver', () => {
  afterEach(async () => {
    if (test) await dropCollections(test.raw, used.splice(0));
  });

  it('on the server as detected: FerretDB inserts in one indexed insert, updates with read + claim + write + release', async () => {
    const { store, counted, client } = await countedStore();
    clients.push(client);
    const first = await counted(() => store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' }));
    const refresh = await counted(() => store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2', expiryTime: 5 }));
    const noop = await counted(() => store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2' }));
    const versioned = await counted(() => store.saveToken({ ...refresh.result, expiryTime: 6 }));
    expect(refresh.result.version).toBe(2);
    expect(noop.result.version).toBe(2);
    expect(versioned.result).toMatchObject({ version: 3, expiryTime: 6, accessToken: 'at-2', refreshToken: 'rt-1' });
    const rows = { first, refresh, noop, versioned };
    console.log(
      `mongo (${ferret ? 'FerretDB' : 'MongoDB'}) round trips per save:\n${Object.entries(rows)
        .map(([name, row]) => `  ${name}: ${row.trips.length} (${row.trips.join(', ')})`)
        .join('\n')}`,
    );
    if (ferret) {
      expect(first.trips).toEqual(['insert']);
      expect(refresh.trips).toEqual(['insert', 'find', 'insert', 'update', 'delete']);
      expect(noop.trips).toEqual(['insert', 'find']);
      expect(versioned.trips).toEqual(['find', 'insert', 'update', 'delete']);
    } else {
      expect(first.trips).toEqual(['findAndModify']);
      expect(refresh.trips).toEqual(['findAndModify']);
      expect(noop.trips).toEqual(['findAndModify', 'find']);
      expect(versioned.trips).toEqual(['findAndModify']);
    }
  });
});

// The statement MongoDB runs, checked on FerretDB one save at a time (FerretDB's updates are not
// atomic, so the store itself never uses it there; MongoDB applies a findAndModify atomically).
describe.skipIf(!test)('mongo save in one findOneAndUpdate (the MongoDB path)', () => {
  afterEach(async () => {
    if (test) await dropCollections(test.raw, used.splice(0));
  });

  it('a first save, a refresh and a versioned save are one round trip each, and store the 0.1.x layout', async () => {
    const { store, raw, counted, client } = await countedStore({ oneStatement: true });
    clients.push(client);
    const first = await counted(() =>
      store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1', clientId: 'c', clientSecret: 's' }),
    );
    expect(first.trips).toEqual(['findAndModify']);
    expect(first.result).toMatchObject({ version: 1, userSignature: 'ana@example.com', grantToken: null, expiryTime: null });
    // FerretDB's $setOnInsert skips null values (MongoDB sets them); the reader takes a missing field for null.
    const nulls = ferret ? Object.fromEntries(DATA_FIELDS.map((field) => [field, null])) : {};
    const layout = (document: TokenDocument | null) => document && { ...nulls, ...document, k: { ...document.k } };
    expect(layout(await raw.findOne({ _id: first.result.id }))).toEqual(layout(toDocument(first.result)));

    const refresh = await counted(() => store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2', expiryTime: 7 }));
    expect(refresh.trips).toEqual(['findAndModify']);
    expect(refresh.result).toMatchObject({ id: first.result.id, version: 2, accessToken: 'at-2', refreshToken: 'rt-1', expiryTime: 7 });
    expect(layout(await raw.findOne({ _id: first.result.id }))).toEqual(layout(toDocument(refresh.result)));
    expect(await store.findToken({ accessToken: 'at-1' })).toBeNull();
    expect((await store.findToken({ accessToken: 'at-2' }))?.id).toBe(first.result.id);

    const versioned = await counted(() => store.saveToken({ ...refresh.result, refreshToken: null, apiDomain: 'https://x' }));
    expect(versioned.trips).toEqual(['findAndModify']);
    expect(versioned.result).toMatchObject({ version: 3, refreshToken: null, apiDomain: 'https://x' });
    const stored = await raw.findOne({ _id: first.result.id });
    // A cleared key leaves `k` (never stored as null), as toDocument writes it.
    expect(stored?.k).toEqual({ user: hashKey('ana@example.com'), access: hashKey('at-2') });
    expect(layout(stored)).toEqual(layout(toDocument(versioned.result)));
  });

  it('a save that changes nothing keeps the version and writes nothing (a second trip reads the record)', async () => {
    const { store, raw, counted, client } = await countedStore({ oneStatement: true });
    clients.push(client);
    const saved = await store.saveToken({ userSignature: 'bo@example.com', accessToken: 'at-1', expiryTime: 42 });
    const before = await raw.findOne({ _id: saved.id });
    const same = await counted(() => store.saveToken({ userSignature: 'bo@example.com', accessToken: 'at-1', expiryTime: 42 }));
    expect(same.result).toEqual(saved);
    expect(same.trips).toEqual(['findAndModify', 'find']);
    const versionedSame = await counted(() => store.saveToken({ ...saved }));
    expect(versionedSame.result.version).toBe(1);
    expect(versionedSame.trips).toEqual(['findAndModify', 'find']);
    expect(await raw.findOne({ _id: saved.id })).toEqual(before);
  });

  it('compare-and-set, missing, duplicate keys and sealed records are refused with nothing written', async () => {
    const { store, raw, counted, client } = await countedStore({ oneStatement: true });
    clients.push(client);
    const ana = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-a' });
    const bo = await store.saveToken({ userSignature: 'bo@example.com', accessToken: 'at-b' });
    await store.saveToken({ userSignature: 'ana@example.com', expiryTime: 1 });

    const stale = await counted(() => store.saveToken({ ...ana, accessToken: 'at-x' }).catch((error: unknown) => error));
    expect(isTokenStoreError(stale.result, 'CONFLICT')).toBe(true);
    expect((stale.result as Error).message).toMatch(/stored token is at version 2/);
    expect(stale.trips).toEqual(['findAndModify', 'find']);

    const missing = await store.saveToken({ id: 'nobody', version: 1, accessToken: 'at-n' }).catch((error: unknown) => error);
    expect(isTokenStoreError(missing, 'CONFLICT')).toBe(true);

    // The update would give ana bo's access token: E11000, nothing written.
    const taken = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-b' }).catch((error: unknown) => error);
    expect(isTokenStoreError(taken, 'CONFLICT')).toBe(true);
    // A new token holding bo's access token: the upsert collides, the read finds no target, the insert collides again.
    const insertTaken = await store.saveToken({ userSignature: 'cy@example.com', accessToken: 'at-b' }).catch((error: unknown) => error);
    expect(isTokenStoreError(insertTaken, 'CONFLICT')).toBe(true);
    expect(await store.findToken({ userSignature: 'cy@example.com' })).toBeNull();
    expect((await store.findTokenById(ana.id))?.accessToken).toBe('at-a');
    expect((await store.findTokenById(bo.id))?.version).toBe(1);

    // An id that is not stored: the target is the key's holder (rule 1), updated in place.
    const byKey = await store.saveToken({ id: 'not-stored', userSignature: 'bo@example.com', accessToken: 'at-b2' });
    expect(byKey).toMatchObject({ id: bo.id, version: 2, accessToken: 'at-b2' });

    // A record encrypted by another store: this plain store refuses it and leaves it alone.
    const sealed = { ...toDocument({ ...bo, id: 'sealed-id', userSignature: 'sealed@example.com', accessToken: 'digest' }) };
    sealed.clientSecret = `${SEALED_PREFIX}v1.whatever`;
    await raw.insertOne(sealed);
    const refused = await store.saveToken({ userSignature: 'sealed@example.com', accessToken: 'at-s' }).catch((error: unknown) => error);
    expect(isTokenStoreError(refused, 'KEY_UNAVAILABLE')).toBe(true);
    expect(await raw.findOne({ _id: 'sealed-id' })).toEqual(sealed);
  });
});
