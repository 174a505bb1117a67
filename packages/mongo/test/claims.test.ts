import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type StoredToken } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_GRACE_MS } from '../src/claims.js';
import { toDocument } from '../src/document.js';
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

  /** The claim a writer makes before moving `from` to `to`, as if it had died right after. */
  async function plantClaim(namespace: string, from: StoredToken, to: Partial<StoredToken>, at = new Date()) {
    const { hashKey, DATA_FIELDS } = await import('@tokens/core');
    const prev = hashKey(JSON.stringify([from.id, from.version, ...DATA_FIELDS.map((field) => from[field])]));
    const next = toDocument({ ...from, ...to, version: from.version + 1 });
    await test!.raw
      .db(DATABASE)
      .collection(`${namespace}.cas`)
      .insertOne({ _id: `${from.version}:${from.id}` as never, at, token: from.id, from: from.version, owner: 'dead-writer', prev, next });
  }

  it('a claim left by a killed writer is completed after the grace: its save lands, then the next one, nothing refused', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = await store.saveToken({ userSignature: 'died@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    await plantClaim(namespace, saved, { accessToken: 'at-dead', refreshToken: 'rt-dead' });
    const started = Date.now();
    const next = await store.saveToken({ userSignature: 'died@example.com', accessToken: 'at-next' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CLAIM_GRACE_MS - 50);
    // The killed writer's save (version 2) landed, and this one on top of it.
    expect(next).toMatchObject({ version: 3, accessToken: 'at-next', refreshToken: 'rt-dead' });
    expect(await store.findToken({ accessToken: 'at-dead' })).toBeNull();
    expect(await test!.raw.db(DATABASE).collection(`${namespace}.cas`).countDocuments()).toBe(0);
  });

  it('a compare-and-set save from a claimed version gets CONFLICT, during the grace and once the claimed save is completed', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = await store.saveToken({ userSignature: 'cas@example.com', accessToken: 'at-1' });
    await plantClaim(namespace, saved, { accessToken: 'at-dead' });
    const early = await store.saveToken({ ...saved, accessToken: 'at-2' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(early, 'CONFLICT')).toBe(true);
    expect((await store.findTokenById(saved.id))?.version).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, CLAIM_GRACE_MS));
    const late = await store.saveToken({ ...saved, accessToken: 'at-2' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(late, 'CONFLICT')).toBe(true);
    const current = await store.findTokenById(saved.id);
    expect(current).toMatchObject({ version: 2, accessToken: 'at-dead' });
    expect((await store.saveToken({ ...current!, accessToken: 'at-2' })).version).toBe(3);
  });

  it('a claim from an earlier life of the id (deleted and saved again) is taken over at once', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const first = await store.saveToken({ id: 'reused', userSignature: 'old@example.com', accessToken: 'at-old' });
    await plantClaim(namespace, first, { accessToken: 'at-old-2' });
    await test!.raw
      .db(DATABASE)
      .collection(namespace)
      .deleteOne({ _id: 'reused' as never });
    const again = await store.saveToken({ id: 'reused', userSignature: 'new@example.com', accessToken: 'at-new' });
    const started = Date.now();
    const updated = await store.saveToken({ id: 'reused', accessToken: 'at-new-2' });
    expect(Date.now() - started).toBeLessThan(CLAIM_GRACE_MS);
    expect(updated).toMatchObject({ version: again.version + 1, userSignature: 'new@example.com', accessToken: 'at-new-2' });
  });

  it('an inert claim (its token has moved on) blocks nothing and goes with the next save; deleting a token removes its claims', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const claims = test!.raw.db(DATABASE).collection(`${namespace}.cas`);
    const saved = await store.saveToken({ userSignature: 'inert@example.com', accessToken: 'at-1' });
    const moved = await store.saveToken({ userSignature: 'inert@example.com', accessToken: 'at-2' });
    await plantClaim(namespace, saved, { accessToken: 'at-never' });
    const started = Date.now();
    expect((await store.saveToken({ userSignature: 'inert@example.com', accessToken: 'at-3' })).version).toBe(moved.version + 1);
    expect(Date.now() - started).toBeLessThan(CLAIM_GRACE_MS);
    expect(await claims.countDocuments()).toBe(0);
    await plantClaim(namespace, { ...moved, version: 3 }, { accessToken: 'at-never' });
    await store.deleteToken(saved.id);
    expect(await claims.countDocuments()).toBe(0);
  });

  it('a claim of 0.1.x (no move recorded) by a live writer still gets CONFLICT and leaves the token alone', async () => {
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

  it('a claim of 0.1.x left by a writer that died is taken over once 30 s old', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const saved = await store.saveToken({ userSignature: 'died@example.com', accessToken: 'at-1' });
    const claims = test!.raw.db(DATABASE).collection(`${namespace}.cas`);
    await claims.insertOne({ _id: `1:${saved.id}` as never, at: new Date(Date.now() - 3_600_000) });
    expect((await store.saveToken({ ...saved, accessToken: 'at-2' })).version).toBe(2);
    expect(await claims.countDocuments()).toBe(0);
  });
});
