import { randomBytes } from 'node:crypto';
import { isTokenStoreError } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const ferret = test ? typeof (await test.raw.db(DATABASE).command({ buildInfo: 1 })).ferretdbVersion === 'string' : false;
const used: string[] = [];

function freshNamespace(): string {
  const namespace = `cl_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  return namespace;
}

// Claims exist only because FerretDB 1.x updates are not atomic; on MongoDB the store skips them.
describe.skipIf(!ferret)('mongo update claims (FerretDB)', () => {
  afterEach(async () => {
    if (test) await dropCollections(test.raw, used.splice(0));
  });

  it('a save whose version is claimed by a live writer gets CONFLICT and leaves the token alone', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = await store.saveToken({ userSignature: 'claimed@example.com', accessToken: 'at-1' });
    await test!.raw
      .db(DATABASE)
      .collection(`${namespace}.cas`)
      .insertOne({ _id: `1:${saved.id}` as never, at: new Date() });
    const error = await store.saveToken({ ...saved, accessToken: 'at-2' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expect((await store.findTokenById(saved.id))?.accessToken).toBe('at-1');
  });

  it('a claim left by a writer that died is taken over once stale', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = await store.saveToken({ userSignature: 'died@example.com', accessToken: 'at-1' });
    const claims = test!.raw.db(DATABASE).collection(`${namespace}.cas`);
    await claims.insertOne({ _id: `1:${saved.id}` as never, at: new Date(Date.now() - 3_600_000) });
    expect((await store.saveToken({ ...saved, accessToken: 'at-2' })).version).toBe(2);
    expect(await claims.countDocuments()).toBe(0);
  });
});
