import { describeConformance } from '@tokens/core/conformance/vitest';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Cluster, dropNamespaces, missingServer, rawTokens } from './helpers.js';

const server = await startRedisCluster();

if (server) {
  const inspector = new Cluster(server.nodes);
  afterAll(async () => {
    inspector.disconnect();
    await server.dispose();
  });

  describeConformance({
    name: 'redis (3-node cluster)',
    open: (namespace) => createRedisStore({ cluster: { nodes: server.nodes }, namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawTokens(inspector, namespace),
    },
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}
