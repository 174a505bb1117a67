import { describeConformance } from '@tokens/core/conformance/vitest';
import { Cluster, Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createRedisStore, KeySpace, type RedisStoreOptions } from '../src/index.js';

/** An independent client's view of a namespace: every key matching its pattern, on every master. */
export async function namespaceKeys(client: Redis | Cluster, namespace: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', new KeySpace(namespace).pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) found.add(key);
    } while (cursor !== '0');
  }
  return [...found].sort();
}

/** The token hashes of a namespace as they landed, found by SCAN rather than the store's own bookkeeping. */
export async function rawTokens(client: Redis | Cluster, namespace: string): Promise<Record<string, string>[]> {
  const tokenPrefix = new KeySpace(namespace).tokenPrefix;
  const keys = (await namespaceKeys(client, namespace)).filter((key) => key.startsWith(tokenPrefix));
  return Promise.all(keys.map((key) => client.hgetall(key)));
}

export async function dropNamespaces(client: Redis | Cluster, namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) {
    const keys = await namespaceKeys(client, namespace);
    // One namespace, one slot: a multi-key DEL is fine in a Cluster too.
    if (keys.length > 0) await client.del(...keys);
  }
}

export function missingServer(what: string): string {
  return `${what} not found locally (install redis-server, e.g. apt-get install -y redis-server): tests skipped`;
}

export { Cluster, Redis };

/**
 * The conformance suite on one Redis deployment, read back through `inspector` (an independent
 * client); disconnects it and disposes of the server after the file.
 */
export function describeRedisConformance(
  name: string,
  connection: Omit<RedisStoreOptions, 'namespace'>,
  inspector: Redis | Cluster,
  dispose: () => Promise<void>,
): void {
  afterAll(async () => {
    inspector.disconnect();
    await dispose();
  });
  describeConformance({
    name,
    open: (namespace) => createRedisStore({ ...connection, namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawTokens(inspector, namespace),
    },
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
}
