import { startRedis } from '@tokens/test-servers';
import { it } from 'vitest';
import { describeRedisConformance, missingServer, Redis } from './helpers.js';

const server = await startRedis();

if (server) {
  describeRedisConformance('redis (standalone)', { url: server.url }, new Redis(server.url), () => server.dispose());
} else {
  it.skip(missingServer('redis-server'), () => {});
}
