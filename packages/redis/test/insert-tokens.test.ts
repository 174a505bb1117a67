import { randomBytes } from 'node:crypto';
import { insertTokens, type TokenStore } from '@tokens/core';
import { describeInsertTokens, startCountingProxy, startRedis, startRedisCluster } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Cluster, dropNamespaces, missingServer, Redis } from './helpers.js';
import { dropSpreadNamespaces } from './spread-helpers.js';

const [standalone, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

if (standalone) {
  const inspector = new Redis(standalone.url);
  afterAll(async () => {
    inspector.disconnect();
    await standalone.dispose();
  });
  describeInsertTokens({
    name: 'redis (standalone, one pipeline per batch)',
    open: (namespace) => createRedisStore({ url: standalone.url, namespace }),
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
  describeInsertTokens({
    name: 'redis (standalone, encrypted)',
    open: (namespace) => createRedisStore({ url: standalone.url, namespace, encryption }),
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
  // No insertMany in the spread layout: core's fallback inserts one by one with the claim protocol.
  describeInsertTokens({
    name: 'redis spread layout (standalone, one by one through core)',
    open: (namespace) => createRedisStore({ url: standalone.url, namespace, layout: 'spread' }),
    cleanup: (namespaces) => dropSpreadNamespaces(inspector, namespaces),
  });

  describe('redis insertTokens: round trips on the wire', async () => {
    const proxy = await startCountingProxy(standalone);
    const opened: TokenStore[] = [];
    const namespaces: string[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await dropNamespaces(inspector, namespaces.splice(0));
    });
    afterAll(() => proxy.close());
    const open = async (options: { encryption?: typeof encryption } = {}) => {
      const namespace = `rt_${randomBytes(6).toString('hex')}`;
      namespaces.push(namespace);
      const store = createRedisStore({ url: `redis://${proxy.host}:${proxy.port}`, namespace, ...options });
      opened.push(store);
      // Connected (the handshake is not the batch's cost).
      await store.findToken({ userSignature: 'warm-up@example.com' });
      return store;
    };
    const tokens = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({ userSignature: `${prefix}-${i}@example.com`, accessToken: `${prefix}-at-${i}` }));

    it('a batch is one round trip, its first one too (the script is loaded in it), plain or encrypted', async () => {
      for (const options of [{}, { encryption }]) {
        const store = await open(options);
        proxy.reset();
        expect((await insertTokens(store, tokens('first', 100))).every((result) => result !== null)).toBe(true);
        expect(proxy.bursts).toBe(1);
        proxy.reset();
        const again = await insertTokens(store, [...tokens('first', 50), ...tokens('second', 50)]);
        expect(proxy.bursts).toBe(1);
        expect(again.map((result) => result !== null)).toEqual([...Array(50).fill(false), ...Array(50).fill(true)]);
      }
    });

    it('a server that forgot the script (SCRIPT FLUSH): the batch lands in one more round trip', async () => {
      const store = await open();
      await insertTokens(store, tokens('before', 10));
      await inspector.script('FLUSH');
      proxy.reset();
      const results = await insertTokens(store, tokens('after', 100));
      expect(proxy.bursts).toBe(2);
      expect(results.every((result) => result?.version === 1)).toBe(true);
      expect(await store.getTokens()).toHaveLength(110);
    });
  });
} else {
  it.skip(missingServer('redis-server'), () => {});
}

if (cluster) {
  const inspector = new Cluster(cluster.nodes);
  afterAll(async () => {
    inspector.disconnect();
    await cluster.dispose();
  });
  describeInsertTokens({
    name: 'redis (3-node cluster, one pipeline per batch)',
    open: (namespace) => createRedisStore({ cluster: { nodes: cluster.nodes }, namespace }),
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}
