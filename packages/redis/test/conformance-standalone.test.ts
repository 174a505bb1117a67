import { describeConformance } from '@tokens/core/conformance/vitest';
import { startRedis } from '@tokens/test-servers';
import { afterAll, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { dropNamespaces, missingServer, Redis, rawTokens } from './helpers.js';

const server = await startRedis();

if (server) {
  const inspector = new Redis(server.url);
  afterAll(async () => {
    inspector.disconnect();
    await server.dispose();
  });

  describeConformance({
    name: 'redis (standalone)',
    open: (namespace) => createRedisStore({ url: server.url, namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawTokens(inspector, namespace),
    },
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });
} else {
  it.skip(missingServer('redis-server'), () => {});
}
