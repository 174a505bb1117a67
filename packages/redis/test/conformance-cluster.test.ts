import { startRedisCluster } from '@tokens/test-servers';
import { it } from 'vitest';
import { Cluster, describeRedisConformance, missingServer } from './helpers.js';

const server = await startRedisCluster();

if (server) {
  describeRedisConformance('redis (3-node cluster)', { cluster: { nodes: server.nodes } }, new Cluster(server.nodes), () =>
    server.dispose(),
  );
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}
