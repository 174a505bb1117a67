import type { OAuthToken } from '@tokens/core';
import { createRedisStore } from '@tokens/redis';
import { startRedis } from '@tokens/test-servers';
import { Redis } from 'ioredis';
import type { Subject } from '../subject.js';

const FIND_BY_INDEX = `local id = redis.call('GET', KEYS[1]) if not id then return nil end return redis.call('HGETALL', 'raw:t:' .. id)`;

/** Raw: a hash per token and an index key per lookup field; every lookup one round trip. */
export const redisSubject: Subject = {
  backend: 'redis',
  server: true,
  async open() {
    const server = await startRedis();
    if (!server) return 'redis-server is not installed (bash scripts/install-test-servers.sh)';
    const store = createRedisStore({ url: server.url });
    const client = new Redis(server.url);
    client.defineCommand('findByIndex', { numberOfKeys: 1, lua: FIND_BY_INDEX });
    const findByIndex = (key: string) => (client as unknown as { findByIndex(key: string): Promise<string[]> }).findByIndex(key);
    let next = 0;
    const write = (token: OAuthToken, id = `raw-${next++}`) =>
      client
        .multi()
        .hset(`raw:t:${id}`, flatten({ ...token, id }))
        .set(`raw:u:${token.userSignature}`, id)
        .set(`raw:r:${token.refreshToken}`, id)
        .sadd('raw:ids', id)
        .exec();
    return {
      store,
      raw: {
        async seed(tokens) {
          for (let i = 0; i < tokens.length; i += 500) await Promise.all(tokens.slice(i, i + 500).map((token) => write(token)));
        },
        findByUser: (user) => findByIndex(`raw:u:${user}`),
        findByRefresh: (refreshToken) => findByIndex(`raw:r:${refreshToken}`),
        findById: (id) => client.hgetall(`raw:t:${id}`),
        updateUser: (token) => client.hset(`raw:t:u-${token.userSignature}`, flatten(token)),
        insert: (token) => write(token),
        async list() {
          const ids = await client.smembers('raw:ids');
          const pipeline = client.pipeline();
          for (const id of ids) pipeline.hgetall(`raw:t:${id}`);
          return pipeline.exec();
        },
      },
      async close() {
        await store.close();
        client.disconnect();
        await server.dispose();
      },
    };
  },
};

function flatten(token: OAuthToken): Record<string, string> {
  return Object.fromEntries(
    Object.entries(token)
      .filter(([, value]) => value != null)
      .map(([key, value]) => [key, String(value)]),
  );
}
