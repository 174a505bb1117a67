import { randomBytes } from 'node:crypto';
import {
  createTokenStore,
  isTokenStoreError,
  type OAuthToken,
  type SavePlan,
  SEALED_PREFIX,
  type StoredToken,
  type TokenStore,
} from '@tokens/core';
import { startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeToken } from '../src/codec.js';
import { createRedisStore, KeySpace, RedisBackend } from '../src/index.js';
import { missingServer, namespaceKeys, Redis } from './helpers.js';

// The one-script save (SAVE in scripts.ts), counted and checked on the server itself.
const server = await startRedis();
const opened: TokenStore[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.dispose();
});

const freshNamespace = () => `sav_${randomBytes(6).toString('hex')}`;
const token = (overrides: OAuthToken = {}): OAuthToken => ({
  userSignature: `user-${randomBytes(6).toString('hex')}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: 'secret',
  refreshToken: `rt-${randomBytes(8).toString('hex')}`,
  accessToken: `at-${randomBytes(8).toString('hex')}`,
  expiryTime: 1_900_000_000_000,
  apiDomain: 'https://www.zohoapis.com',
  ...overrides,
});
const record = (overrides: Partial<StoredToken> = {}): StoredToken => ({
  id: `id-${randomBytes(6).toString('hex')}`,
  version: 1,
  userSignature: `user-${randomBytes(6).toString('hex')}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: 'secret',
  redirectUrl: null,
  grantToken: null,
  refreshToken: `rt-${randomBytes(8).toString('hex')}`,
  accessToken: `at-${randomBytes(8).toString('hex')}`,
  expiryTime: 1_900_000_000_000,
  apiDomain: null,
  ...overrides,
});
/** A plan as core makes it for an update by user key (no insert, unless given). */
const plan = (overrides: Partial<SavePlan> & Pick<SavePlan, 'set'>): SavePlan => ({
  id: undefined,
  key: null,
  fields: Object.keys(overrides.set) as SavePlan['fields'],
  expectedVersion: undefined,
  insert: null,
  sealedPrefix: SEALED_PREFIX,
  ...overrides,
});

describe.skipIf(!server)('redis one-script save', () => {
  const url = server?.url ?? '';
  const inspector = server ? new Redis(url) : (undefined as unknown as Redis);
  if (server) clients.push(inspector);
  const client = () => {
    const made = new Redis(url);
    clients.push(made);
    return made;
  };
  const openStore = (namespace = freshNamespace()) => {
    const store = createRedisStore({ client: client(), namespace });
    opened.push(store);
    return store;
  };
  const openBackend = (namespace = freshNamespace()) => {
    const backend = new RedisBackend(client(), { namespace, owned: false, operationTimeoutMs: 5_000 });
    opened.push(createTokenStore(backend));
    return backend;
  };
  /** `calls` per command in `INFO commandstats` (commands scripts run count too). */
  const commandStats = async (): Promise<Map<string, number>> => {
    const stats = new Map<string, number>();
    for (const [, name, calls] of (await inspector.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
      stats.set(name as string, Number(calls));
    }
    return stats;
  };
  /** The server's count of changes to the dataset (every write command adds to it). */
  const changes = async () => Number(/rdb_changes_since_last_save:(\d+)/.exec(await inspector.info('persistence'))?.[1]);
  /** Commands the server receives from clients, scripts' own left out, until `stop()`. */
  const monitor = async () => {
    const watcher = await inspector.monitor();
    const seen: string[] = [];
    let marker: (() => void) | undefined;
    watcher.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'echo' && args[1] === 'end-of-test') marker?.();
      else if (source !== 'lua') seen.push((args[0] ?? '').toLowerCase());
    });
    return {
      seen,
      async stop() {
        const ended = new Promise<void>((resolve) => (marker = resolve));
        await inspector.echo('end-of-test');
        await ended;
        watcher.disconnect();
        return seen.filter((name) => name !== 'info');
      },
    };
  };

  it('every kind of save is one EVALSHA, with no read before it', async () => {
    const store = openStore();
    // Loads the script, so no EVAL/SCRIPT LOAD is counted below.
    await store.saveToken(token());
    const first = token();
    const watch = await monitor();
    const before = await commandStats();
    const inserted = await store.saveToken(first);
    const updated = await store.saveToken({ userSignature: first.userSignature, accessToken: 'at-refreshed', expiryTime: 1 });
    const versioned = await store.saveToken({ userSignature: first.userSignature, accessToken: 'at-cas', version: updated.version });
    const byId = await store.saveToken({ id: inserted.id, refreshToken: 'rt-by-id' });
    const after = await commandStats();
    expect([inserted.version, updated.version, versioned.version, byId.version]).toEqual([1, 2, 3, 4]);
    expect((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)).toBe(4);
    expect(after.get('eval') ?? 0).toBe(before.get('eval') ?? 0);
    expect(await watch.stop()).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha']);
  });

  it('a save that changes nothing keeps the version and writes nothing', async () => {
    const store = openStore();
    const saved = await store.saveToken(token());
    const keysBefore = await namespaceKeys(inspector, store.namespace);
    const hashBefore = await inspector.hgetall(new KeySpace(store.namespace).token(saved.id));
    const writesBefore = await changes();
    const again = await store.saveToken({
      userSignature: saved.userSignature,
      accessToken: saved.accessToken,
      refreshToken: saved.refreshToken,
      expiryTime: saved.expiryTime,
      redirectUrl: null,
    });
    const sameById = await store.saveToken({ id: saved.id, accessToken: saved.accessToken });
    expect(await changes()).toBe(writesBefore);
    expect(again).toEqual(saved);
    expect(sameById).toEqual(saved);
    expect(await namespaceKeys(inspector, store.namespace)).toEqual(keysBefore);
    expect(await inspector.hgetall(new KeySpace(store.namespace).token(saved.id))).toEqual(hashBefore);
    // A real change is counted by the same measure.
    await store.saveToken({ userSignature: saved.userSignature, accessToken: 'changed' });
    expect(await changes()).toBeGreaterThan(writesBefore);
  });

  it('an update leaves the hash exactly as the 0.1.x update wrote it', async () => {
    const namespace = freshNamespace();
    const backend = openBackend(namespace);
    const old = record({ apiDomain: '', grantToken: 'gt-old' });
    // The 0.1.x write path, still used by the encryption wrapper.
    expect(await backend.insert(old)).toBe('inserted');
    const outcome = await backend.save(
      plan({ key: { kind: 'user', value: old.userSignature ?? '' }, set: { accessToken: 'at-new', grantToken: null, expiryTime: 5 } }),
    );
    const merged: StoredToken = { ...old, version: 2, accessToken: 'at-new', grantToken: null, expiryTime: 5 };
    expect(outcome).toEqual({ status: 'updated', record: merged });
    const keys = new KeySpace(namespace);
    const pairs = encodeToken(merged);
    const expected = Object.fromEntries(pairs.flatMap((value, i) => (i % 2 ? [] : [[value, pairs[i + 1]]])));
    expect(await inspector.hgetall(keys.token(old.id))).toEqual(expected);
    expect(await namespaceKeys(inspector, namespace)).toEqual(
      [
        keys.ids,
        keys.token(old.id),
        keys.index('user', old.userSignature ?? ''),
        keys.index('access', 'at-new'),
        keys.index('refresh', old.refreshToken ?? ''),
      ].sort(),
    );
    // And the 0.1.x read and update paths still take what the script wrote.
    expect(await backend.getById(old.id)).toEqual(merged);
    expect(await backend.update({ ...merged, version: 3, accessToken: 'at-3' }, 2)).toBe('updated');
    expect(await backend.findByKey({ kind: 'access', value: 'at-3' })).toMatchObject({ id: old.id, version: 3 });
  });

  it('an insert writes the hash and keys the 0.1.x insert wrote', async () => {
    const namespace = freshNamespace();
    const backend = openBackend(namespace);
    const fresh = record({ apiDomain: '', grantToken: 'gt', redirectUrl: null });
    const { id: _id, version: _version, ...data } = fresh;
    const set = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null)) as SavePlan['set'];
    const outcome = await backend.save(plan({ key: { kind: 'user', value: fresh.userSignature ?? '' }, set, insert: fresh }));
    expect(outcome).toEqual({ status: 'inserted', record: fresh });
    const keys = new KeySpace(namespace);
    const pairs = encodeToken(fresh);
    const expected = Object.fromEntries(pairs.flatMap((value, i) => (i % 2 ? [] : [[value, pairs[i + 1]]])));
    expect(await inspector.hgetall(keys.token(fresh.id))).toEqual(expected);
    expect(await backend.findByKey({ kind: 'grant', value: 'gt' })).toEqual(fresh);
    expect(await inspector.smembers(keys.ids)).toEqual([keys.ref(fresh.id)]);
  });

  it('the outcomes of rules 2-5, each leaving the data as it was when it writes nothing', async () => {
    const namespace = freshNamespace();
    const backend = openBackend(namespace);
    const a = record();
    const b = record();
    const sealed = record({ clientSecret: `${SEALED_PREFIX}k1:...` });
    for (const each of [a, b, sealed]) expect(await backend.insert(each)).toBe('inserted');
    const byUser = (of: StoredToken) => ({ kind: 'user' as const, value: of.userSignature ?? '' });
    const writesBefore = await changes();
    expect(await backend.save(plan({ key: byUser(a), set: { accessToken: 'x' }, expectedVersion: 7 }))).toEqual({
      status: 'stale',
      version: 1,
    });
    expect(await backend.save(plan({ key: { kind: 'user', value: 'nobody' }, set: { accessToken: 'x' }, expectedVersion: 1 }))).toEqual({
      status: 'missing',
    });
    expect(await backend.save(plan({ key: byUser(sealed), set: { accessToken: 'x' } }))).toEqual({ status: 'sealed', record: sealed });
    // b's refresh token is taken by a; a's access token by the new record.
    expect(await backend.save(plan({ key: byUser(b), set: { refreshToken: a.refreshToken } }))).toEqual({
      status: 'duplicate',
      inserting: false,
    });
    const newcomer = record({ accessToken: a.accessToken });
    const { id: _id, version: _version, ...data } = newcomer;
    expect(await backend.save(plan({ key: byUser(newcomer), set: data, insert: newcomer }))).toEqual({
      status: 'duplicate',
      inserting: true,
    });
    // An id already taken by a record: the insert is a duplicate too.
    const sameId = record({ id: a.id });
    const { id: _sameId, version: _v, ...sameData } = sameId;
    expect(await backend.save(plan({ key: byUser(sameId), set: sameData, insert: sameId }))).toEqual({
      status: 'duplicate',
      inserting: true,
    });
    expect(await changes()).toBe(writesBefore);
    expect(await backend.list()).toHaveLength(3);
  });

  it('an id that is not stored falls back to the lookup key; an id that is stored wins over it', async () => {
    const backend = openBackend();
    const a = record();
    const b = record();
    for (const each of [a, b]) await backend.insert(each);
    const viaKey = await backend.save(
      plan({ id: 'not-stored', key: { kind: 'user', value: a.userSignature ?? '' }, set: { accessToken: 'a2' } }),
    );
    expect(viaKey).toEqual({ status: 'updated', record: { ...a, version: 2, accessToken: 'a2' } });
    const viaId = await backend.save(plan({ id: b.id, key: { kind: 'user', value: a.userSignature ?? '' }, set: { apiDomain: 'b2' } }));
    expect(viaId).toEqual({ status: 'updated', record: { ...b, version: 2, apiDomain: 'b2' } });
  });

  it('changing a unique key moves its index key and frees the old value', async () => {
    const store = openStore();
    const a = await store.saveToken(token());
    await store.saveToken({ userSignature: a.userSignature, refreshToken: 'rt-moved', accessToken: '' });
    expect(await store.findToken({ refreshToken: a.refreshToken, clientId: 'x', clientSecret: 'y' })).toBeNull();
    expect(await store.findToken({ accessToken: a.accessToken })).toBeNull();
    expect((await store.findToken({ refreshToken: 'rt-moved', clientId: 'x', clientSecret: 'y' }))?.accessToken).toBe('');
    // The freed values can be taken by another token.
    const b = await store.saveToken(token({ refreshToken: a.refreshToken, accessToken: a.accessToken }));
    expect((await store.findToken({ accessToken: a.accessToken }))?.id).toBe(b.id);
    const keys = new KeySpace(store.namespace);
    expect(await inspector.get(keys.index('refresh', a.refreshToken ?? ''))).toBe(keys.ref(b.id));
  });

  it('an index key naming a token that is gone does not block a save', async () => {
    const backend = openBackend();
    const keys = backend.keys;
    await inspector.set(keys.index('user', 'dangling-user'), keys.ref('gone'));
    const fresh = record({ userSignature: 'dangling-user' });
    const { id: _id, version: _version, ...data } = fresh;
    expect(await backend.save(plan({ key: { kind: 'user', value: 'dangling-user' }, set: data, insert: fresh }))).toEqual({
      status: 'inserted',
      record: fresh,
    });
    expect(await inspector.get(keys.index('user', 'dangling-user'))).toBe(keys.ref(fresh.id));
  });

  it('an index key whose token does not hold the value is no target', async () => {
    const backend = openBackend();
    const a = record();
    await backend.insert(a);
    // Altered behind the store's back: the index of "other-user" names a.
    await inspector.set(backend.keys.index('user', 'other-user'), backend.keys.ref(a.id));
    expect(await backend.save(plan({ key: { kind: 'user', value: 'other-user' }, set: { accessToken: 'x' }, expectedVersion: 1 }))).toEqual(
      {
        status: 'missing',
      },
    );
    expect(await backend.getById(a.id)).toEqual(a);
  });

  it('a stored version the script cannot increment is CORRUPT, and nothing is written', async () => {
    const store = openStore();
    const saved = await store.saveToken(token());
    const key = new KeySpace(store.namespace).token(saved.id);
    await inspector.hset(key, 'version', 'x1');
    const save = store.saveToken({ userSignature: saved.userSignature, accessToken: 'after corruption' });
    await expect(save).rejects.toSatisfy((error) => isTokenStoreError(error, 'CORRUPT'));
    expect(await inspector.hget(key, 'accessToken')).toBe(saved.accessToken);
  });

  it('a plan the script cannot express runs as a read and a write', async () => {
    const backend = openBackend();
    const odd = record();
    // The record to insert differs from the given fields: not what core sends, still honoured.
    const outcome = await backend.save(
      plan({ key: { kind: 'user', value: odd.userSignature ?? '' }, set: { accessToken: 'other' }, insert: odd }),
    );
    expect(outcome).toEqual({ status: 'inserted', record: odd });
    expect(await backend.getById(odd.id)).toEqual(odd);
  });

  it('a first save whose unique key another token holds fails with CONFLICT after one retry', async () => {
    const store = openStore();
    const saved = await store.saveToken(token());
    const conflict = store.saveToken({ ...token(), refreshToken: saved.refreshToken });
    await expect(conflict).rejects.toSatisfy((error) => isTokenStoreError(error, 'CONFLICT'));
  });
});

if (!server) it.skip(missingServer('redis-server'), () => {});
