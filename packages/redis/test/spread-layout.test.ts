import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type StoredToken, type TokenStore } from '@tokens/core';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore, KeySpace, SpreadBackend, SpreadKeySpace } from '../src/index.js';
import { Cluster, missingServer, namespaceKeys } from './helpers.js';
import { kindOfKey, spreadKeys, spreadKeysPerMaster } from './spread-helpers.js';

const cluster = await startRedisCluster();
const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

const freshNamespace = () => `spl_${randomBytes(5).toString('hex')}`;

describe.skipIf(!cluster)('redis spread layout in a 3-master cluster', () => {
  if (!cluster) return;
  const inspector = new Cluster(cluster.nodes);
  afterAll(async () => {
    inspector.disconnect();
    await cluster.dispose();
  });
  const open = (namespace: string, operationTimeoutMs?: number) => {
    const store = createRedisStore({ cluster: { nodes: cluster.nodes }, namespace, layout: 'spread', operationTimeoutMs });
    opened.push(store);
    return store;
  };

  it('30,000 tokens of one namespace: keys spread over the 3 masters within ±15% of an equal share; deleteTokens leaves none', async () => {
    const namespace = freshNamespace();
    const backend = new SpreadBackend(inspector, { namespace, owned: false, operationTimeoutMs: 30_000 });
    const total = 30_000;
    const record = (i: number): StoredToken => ({
      id: `id-${i}`,
      version: 1,
      userSignature: `user-${i}@example.com`,
      clientId: null,
      clientSecret: null,
      redirectUrl: null,
      grantToken: null,
      refreshToken: null,
      accessToken: `at-${i}`,
      expiryTime: 1_900_000_000_000,
      apiDomain: null,
    });
    // Seeded through the backend itself, many inserts in flight (ioredis pipelines them per master).
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        while (next < total) {
          const result = await backend.insert(record(next++));
          expect(result).toBe('inserted');
        }
      }),
    );
    const seededMs = Date.now() - started;
    const perMaster = (await spreadKeysPerMaster(inspector, namespace)).map((keys) => keys.length);
    const sum = perMaster.reduce((a, b) => a + b, 0);
    const share = sum / perMaster.length;
    console.log(
      `spread layout: ${total} tokens seeded in ${seededMs} ms; keys per master ${perMaster.join(' / ')} ` +
        `(${perMaster.map((count) => `${(((count - share) / share) * 100).toFixed(1)}%`).join(', ')} from an equal share)`,
    );
    expect(perMaster).toHaveLength(3);
    // A hash per token, a claim per unique value, and the bucket sets.
    expect(sum).toBeGreaterThanOrEqual(total * 3);
    expect(sum).toBeLessThanOrEqual(total * 3 + 1024);
    for (const count of perMaster) expect(Math.abs(count - share) / share).toBeLessThanOrEqual(0.15);

    // Listing and clearing walk every bucket; clearing releases every claim: a round trip per value.
    const store = open(namespace, 60_000);
    expect(await store.findToken({ userSignature: 'user-12345@example.com' })).toMatchObject({ id: 'id-12345', accessToken: 'at-12345' });
    const listing = Date.now();
    expect((await store.getTokens()).length).toBe(total);
    const clearing = Date.now();
    await store.deleteTokens();
    console.log(`spread layout: getTokens of ${total} in ${clearing - listing} ms, deleteTokens in ${Date.now() - clearing} ms`);
    expect(await spreadKeys(inspector, namespace)).toEqual([]);
  }, 180_000);

  it('keys are the documented ones, each in its own slot; none is a key of the slot layout', async () => {
    const namespace = freshNamespace();
    const store = open(namespace);
    const saved = await store.saveToken({ userSignature: 'ann', accessToken: 'at-ann', refreshToken: 'rt-ann', grantToken: 'gt-ann' });
    const keys = new SpreadKeySpace(namespace);
    const ref = keys.ref(saved.id);
    const expected = [
      keys.tokenByRef(ref),
      keys.bucketSetOf(ref),
      keys.index('user', 'ann'),
      keys.index('access', 'at-ann'),
      keys.index('refresh', 'rt-ann'),
      keys.index('grant', 'gt-ann'),
    ];
    expect(await spreadKeys(inspector, namespace)).toEqual([...expected].sort());
    expect(keys.tokenByRef(ref)).toBe(`tokens:{${namespace}:b${keys.bucketOf(ref)}}:t:${ref}`);
    const slots = new Set(
      await Promise.all(expected.filter((key) => !key.endsWith(':ids')).map((key) => inspector.cluster('KEYSLOT', key))),
    );
    expect(slots.size).toBe(5);
    expect(await namespaceKeys(inspector, namespace)).toEqual([]);
    expect(new KeySpace(namespace).pattern).not.toBe(keys.pattern);
  });

  it('with durability, every write step waits for replicas: on masters without replicas a save is UNAVAILABLE', async () => {
    const namespace = freshNamespace();
    const plain = open(namespace);
    await plain.saveToken({ userSignature: 'kim', accessToken: 'at-kim' });
    const durable = createRedisStore({
      cluster: { nodes: cluster.nodes },
      namespace,
      layout: 'spread',
      operationTimeoutMs: 2_000,
      durability: { replicas: 1, timeoutMs: 100 },
    });
    opened.push(durable);
    // Reads wait for nothing.
    expect(await durable.findToken({ userSignature: 'kim' })).toMatchObject({ accessToken: 'at-kim' });
    const refused = durable.saveToken({ userSignature: 'lea', accessToken: 'at-lea' });
    await expect(refused).rejects.toSatisfy(
      (error) => isTokenStoreError(error, 'UNAVAILABLE') && /not confirmed by 1 replica/.test((error as Error).message),
    );
    await expect(durable.deleteToken((await durable.findToken({ userSignature: 'kim' }))!.id)).rejects.toSatisfy((error) =>
      isTokenStoreError(error, 'UNAVAILABLE'),
    );
  });

  it('updates and deletes leave no residue on any master', async () => {
    const namespace = freshNamespace();
    const store = open(namespace);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const saved = await store.saveToken({ userSignature: `u${i}`, accessToken: `a${i}`, refreshToken: `r${i}` });
      ids.push(saved.id);
      // New access and refresh tokens, then a new user name: the claims of the old values go.
      await store.saveToken({ userSignature: `u${i}`, accessToken: `a${i}-2`, refreshToken: `r${i}-2` });
      await store.saveToken({ id: saved.id, userSignature: `v${i}`, clientId: 'c', clientSecret: 's', grantToken: `g${i}` });
    }
    const keys = await spreadKeys(inspector, namespace);
    expect(keys.filter((key) => kindOfKey(key) === 'token')).toHaveLength(40);
    // user, access, refresh, grant per token.
    expect(keys.filter((key) => kindOfKey(key) === 'index')).toHaveLength(160);
    expect(await store.findToken({ accessToken: 'a3' })).toBeNull();
    for (const [i, id] of ids.entries()) {
      if (i % 2) await store.deleteToken(id);
    }
    expect(await store.getTokens()).toHaveLength(20);
    await store.deleteTokens();
    expect(await spreadKeysPerMaster(inspector, namespace)).toEqual([[], [], []]);
  });
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
