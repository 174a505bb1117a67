import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

function freshNamespace(): string {
  const namespace = `ix_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  return namespace;
}

/** What MongoDB 5.0+ accepts in an index specification, beyond the index version. */
const MONGODB_INDEX_OPTIONS = new Set(['v', 'key', 'name', 'unique', 'sparse', 'partialFilterExpression', 'ns']);

describe.skipIf(!test)('mongo indexes (FerretDB or TOKENS_TEST_MONGO_URL)', () => {
  afterEach(async () => {
    if (test) await dropCollections(test.raw, used.splice(0));
  });

  it('creates one unique sparse index per key, with options MongoDB also accepts', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    await store.getTokens();
    const indexes = await test!.raw.db(DATABASE).collection(namespace).listIndexes().toArray();
    const ours = indexes.filter((index) => index.name !== '_id_');
    expect(ours.map((index) => Object.keys(index.key as object)).sort()).toEqual([['k.access'], ['k.grant'], ['k.refresh'], ['k.user']]);
    for (const index of ours) {
      expect(index.unique).toBe(true);
      // FerretDB 1.x accepts `sparse` but does not report it back; MongoDB does.
      if (index.sparse !== undefined) expect(index.sparse).toBe(true);
      expect(index.partialFilterExpression).toBeUndefined();
      for (const option of Object.keys(index)) expect(MONGODB_INDEX_OPTIONS.has(option)).toBe(true);
    }
  });

  it('leaves absent keys out of the document, so tokens without them never collide', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = [];
    for (let i = 0; i < 3; i++) {
      saved.push(
        await store.saveToken({ id: `only-refresh-${i}`, refreshToken: `rt-${i}`, clientId: 'c', clientSecret: 's', userSignature: null }),
      );
      saved.push(await store.saveToken({ id: `empty-user-${i}`, accessToken: `at-${i}`, userSignature: '', grantToken: '' }));
    }
    expect((await store.getTokens()).length).toBe(6);
    const documents = await test!.raw
      .db(DATABASE)
      .collection<{ _id: string; k: object; userSignature: unknown; grantToken: unknown }>(namespace)
      .find()
      .toArray();
    for (const document of documents) {
      expect(document.k).not.toHaveProperty('user');
      expect(document.k).not.toHaveProperty('grant');
      expect(Object.values(document.k as object)).not.toContain(null);
    }
    const emptyUser = documents.find((document) => document._id === 'empty-user-0');
    expect(emptyUser?.userSignature).toBe('');
    expect(emptyUser?.grantToken).toBe('');
    expect(documents.find((document) => document._id === 'only-refresh-0')?.userSignature).toBeNull();
  });

  it('clears a key field from the document when the key is cleared', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const first = await store.saveToken({ userSignature: 'a@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    await store.saveToken({ id: first.id, userSignature: null });
    const second = await store.saveToken({ id: 'second', accessToken: 'at-2' });
    expect(second.version).toBe(1);
    const document = await test!.raw
      .db(DATABASE)
      .collection(namespace)
      .findOne({ _id: first.id as never });
    expect(document?.k).not.toHaveProperty('user');
    expect(document?.userSignature).toBeNull();
  });

  it('shows why: a stored null collides in a unique sparse index, a missing field does not', async () => {
    const namespace = freshNamespace();
    const collection = test!.raw.db(DATABASE).collection(namespace);
    await collection.createIndex({ 'k.user': 1 }, { unique: true, sparse: true });
    await collection.insertOne({ _id: 'missing-1' as never, k: {} });
    await collection.insertOne({ _id: 'missing-2' as never, k: {} });
    await collection.insertOne({ _id: 'null-1' as never, k: { user: null } });
    await expect(collection.insertOne({ _id: 'null-2' as never, k: { user: null } })).rejects.toMatchObject({ code: 11000 });
  });

  it('gives numbers back as numbers even through a client set to return BSON types or bigint', async () => {
    for (const options of [{ promoteValues: false }, { useBigInt64: true }]) {
      const client = new MongoClient(test!.server.url, options);
      try {
        const store = createMongoStore({ client, database: DATABASE, namespace: freshNamespace() });
        const saved = await store.saveToken({ accessToken: 'at', expiryTime: 8_000_000_000_000 });
        const found = await store.findTokenById(saved.id);
        expect(found?.expiryTime).toBe(8_000_000_000_000);
        expect(found?.version).toBe(1);
        await store.close();
      } finally {
        await client.close();
      }
    }
  });

  it('stores expiryTime as a number and gives it back as one', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const big = 8_000_000_000_000;
    const saved = await store.saveToken({ id: 'e', accessToken: 'at', expiryTime: big });
    expect((await store.findTokenById(saved.id))?.expiryTime).toBe(big);
    const document = await test!.raw
      .db(DATABASE)
      .collection(namespace)
      .findOne({ _id: 'e' as never }, { promoteLongs: true });
    expect(typeof document?.expiryTime).toBe('number');
  });
});
