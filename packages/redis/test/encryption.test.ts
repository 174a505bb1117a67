import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { startRedis, startRedisCluster } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createRedisStore, type RedisStoreOptions } from '../src/index.js';
import { Cluster, describeRedisConformance, dropNamespaces, missingServer, Redis, rawTokens } from './helpers.js';

const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };
const standalone = await startRedis();
const cluster = await startRedisCluster();

function encryptedSuite(
  name: string,
  connection: Omit<RedisStoreOptions, 'namespace'>,
  inspector: Redis | Cluster,
  dispose: () => Promise<void>,
) {
  describe(name, () => {
    describeRedisConformance(name, { ...connection, encryption }, inspector, dispose);
    it('encrypted at rest: no secret and no unkeyed digest in the hashes; a plain store refuses', () =>
      checkEncryptionAtRest({
        open: (namespace) => createRedisStore({ ...connection, namespace, encryption }),
        openPlain: (namespace) => createRedisStore({ ...connection, namespace }),
        raw: (namespace) => rawTokens(inspector, namespace),
        cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
      }));
  });
}

if (standalone)
  encryptedSuite('redis (standalone, encrypted)', { url: standalone.url }, new Redis(standalone.url), () => standalone.dispose());
else it.skip(missingServer('redis-server'), () => {});

if (cluster) {
  encryptedSuite('redis (3-node cluster, encrypted)', { cluster: { nodes: cluster.nodes } }, new Cluster(cluster.nodes), () =>
    cluster.dispose(),
  );
} else {
  it.skip(missingServer('redis-server / redis-cli'), () => {});
}
