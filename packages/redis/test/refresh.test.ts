import { fileURLToPath } from 'node:url';
import { describeRefreshConformance, startRedis, startRedisCluster } from '@tokens/test-servers';
import { afterAll, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Cluster, dropNamespaces, missingServer, Redis } from './helpers.js';

const module = fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url));
const [standalone, cluster] = await Promise.all([startRedis(), startRedisCluster()]);

if (standalone) {
  const inspector = new Redis(standalone.url);
  afterAll(async () => {
    inspector.disconnect();
    await standalone.dispose();
  });
  describeRefreshConformance({
    name: 'redis (standalone)',
    open: (namespace) => createRedisStore({ url: standalone.url, namespace }),
    processes: { module, options: (namespace) => ({ url: standalone.url, namespace }) },
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
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
  describeRefreshConformance({
    name: 'redis (3-node cluster)',
    open: (namespace) => createRedisStore({ cluster: { nodes: cluster.nodes }, namespace }),
    processes: { module, options: (namespace) => ({ cluster: { nodes: cluster.nodes }, namespace }) },
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}
