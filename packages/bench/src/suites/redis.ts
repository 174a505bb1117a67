import type { OAuthToken } from '@tokens/core';
import { createRedisStore } from '@tokens/redis';
import { startRedis } from '@tokens/test-servers';
import { Redis } from 'ioredis';
import type { Connected, Endpoint, Subject } from '../subject.js';

const FIND_BY_INDEX = `local id = redis.call('GET', KEYS[1]) if not id then return nil end return redis.call('HGETALL', 'raw:t:' .. id)`;
// KEYS[1]: the user's index key; ARGV: expected version, access token, expiry time.
const CAS = `local id = redis.call('GET', KEYS[1]) if not id then return 0 end
local key = 'raw:t:' .. id
if redis.call('HGET', key, 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', key, 'accessToken', ARGV[2], 'expiryTime', ARGV[3], 'version', tostring(tonumber(ARGV[1]) + 1))
return 1`;

interface Scripts {
  findByIndex(key: string): Promise<string[]>;
  cas(key: string, version: number, accessToken: string, expiryTime: number): Promise<number>;
}

/** Raw: a hash per token and an index key per lookup field; every lookup one round trip. */
export const redisSubject: Subject = {
  backend: 'redis',
  server: true,
  async open() {
    const server = await startRedis();
    if (!server) return 'redis-server is not installed (bash scripts/install-test-servers.sh)';
    // Raw ids: one sequence for every connection to this server.
    let next = 0;
    const connect = async (at: Endpoint): Promise<Connected> => {
      const url = `redis://${at.host}:${at.port}`;
      const store = createRedisStore({ url });
      const client = new Redis(url);
      client.defineCommand('findByIndex', { numberOfKeys: 1, lua: FIND_BY_INDEX });
      client.defineCommand('cas', { numberOfKeys: 1, lua: CAS });
      const scripts = client as unknown as Scripts;
      const write = (token: OAuthToken, id = `raw-${next++}`) =>
        client
          .multi()
          .hset(`raw:t:${id}`, flatten({ ...token, id, version: 1 }))
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
          findByUser: (user) => scripts.findByIndex(`raw:u:${user}`),
          findByRefresh: (refreshToken) => scripts.findByIndex(`raw:r:${refreshToken}`),
          findById: (id) => client.hgetall(`raw:t:${id}`),
          updateUser: (token) => client.hset(`raw:t:u-${token.userSignature}`, flatten(token)),
          insert: (token) => write(token),
          casUpdate: async (token, version) =>
            (await scripts.cas(`raw:u:${token.userSignature}`, version, token.accessToken ?? '', token.expiryTime ?? 0)) === 1,
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
        },
      };
    };
    const main = await connect(server);
    return {
      ...main,
      server: { endpoint: server, connect },
      async close() {
        await main.close();
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
