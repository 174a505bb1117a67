import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { startRedis, startRedisCluster } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { Cluster, missingServer, Redis } from './helpers.js';
import { describeSpreadConformance, dropSpreadNamespaces, rawSpreadTokens } from './spread-helpers.js';

const [cluster, standalone] = await Promise.all([startRedisCluster(), startRedis()]);
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

if (cluster) {
  const connection = { cluster: { nodes: cluster.nodes } };
  describeSpreadConformance('redis spread layout (3-node cluster)', connection, new Cluster(cluster.nodes), () => cluster.dispose());
  describe('redis spread layout (3-node cluster, encrypted)', () => {
    const inspector = new Cluster(cluster.nodes);
    // The cluster is disposed of by the plain suite's file-level afterAll.
    describeSpreadConformance('redis spread layout (3-node cluster, encrypted)', { ...connection, encryption }, inspector, async () => {});
    it('encrypted at rest: no secret and no unkeyed digest in the hashes; a plain store refuses', () =>
      checkEncryptionAtRest({
        open: (namespace) => createRedisStore({ ...connection, namespace, layout: 'spread', encryption }),
        openPlain: (namespace) => createRedisStore({ ...connection, namespace, layout: 'spread' }),
        raw: (namespace) => rawSpreadTokens(inspector, namespace),
        cleanup: (namespaces) => dropSpreadNamespaces(inspector, namespaces),
      }));
  });
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}

if (standalone) {
  describeSpreadConformance('redis spread layout (standalone)', { url: standalone.url }, new Redis(standalone.url), () =>
    standalone.dispose(),
  );
} else {
  it.skip(missingServer('redis-server'), () => {});
}
