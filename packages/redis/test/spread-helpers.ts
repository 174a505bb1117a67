import { describeConformance } from '@tokens/core/conformance/vitest';
import { Cluster, type Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createRedisStore, type RedisStoreOptions, SpreadKeySpace } from '../src/index.js';

/** The masters of a deployment (a standalone server is its own). */
export function masters(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key of a namespace in the spread layout, per master, found by SCAN (not the store's bookkeeping). */
export async function spreadKeysPerMaster(client: Redis | Cluster, namespace: string): Promise<string[][]> {
  const pattern = new SpreadKeySpace(namespace).pattern;
  return Promise.all(
    masters(client).map(async (node) => {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) found.add(key);
      } while (cursor !== '0');
      return [...found].sort();
    }),
  );
}

export async function spreadKeys(client: Redis | Cluster, namespace: string): Promise<string[]> {
  return (await spreadKeysPerMaster(client, namespace)).flat().sort();
}

/** The kind of a spread key by its name: token hash, bucket set, index key. */
export function kindOfKey(key: string): 'token' | 'bucket' | 'index' {
  if (key.includes('}:t:')) return 'token';
  if (key.endsWith('}:ids')) return 'bucket';
  return 'index';
}

/** The token hashes as they landed (hashes holding only vetoes left out). */
export async function rawSpreadTokens(client: Redis | Cluster, namespace: string): Promise<Record<string, string>[]> {
  const keys = (await spreadKeys(client, namespace)).filter((key) => kindOfKey(key) === 'token');
  const hashes = await Promise.all(keys.map((key) => client.hgetall(key)));
  return hashes.filter((hash) => hash.id !== undefined);
}

/** Keys of a namespace are in many slots: one DEL each. */
export async function dropSpreadNamespaces(client: Redis | Cluster, namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) await Promise.all((await spreadKeys(client, namespace)).map((key) => client.del(key)));
}

/** The conformance suite in the spread layout on one deployment, read back through `inspector`. */
export function describeSpreadConformance(
  name: string,
  connection: Omit<RedisStoreOptions, 'namespace' | 'layout'>,
  inspector: Redis | Cluster,
  dispose: () => Promise<void>,
): void {
  afterAll(async () => {
    inspector.disconnect();
    await dispose();
  });
  describeConformance({
    name,
    open: (namespace) => createRedisStore({ ...connection, namespace, layout: 'spread' }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawSpreadTokens(inspector, namespace),
    },
    cleanup: (namespaces) => dropSpreadNamespaces(inspector, namespaces),
  });
}
