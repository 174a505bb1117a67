import { DATA_FIELDS, hashedUniqueKeysOf, type LookupKind, type OAuthToken, type StoredToken, type UniqueKeys } from '@tokens/core';
import { createRedisStore, KeySpace } from '@tokens/redis';
import { startRedis } from '@tokens/test-servers';
import { Redis } from 'ioredis';
import { tokenAt } from '../fixtures.js';
import { asRecord, elapsedMs, recordAt, recordBatch } from './records.js';
import { RespPipe } from './resp-pipe.js';
import type { ScaleBackend, ScalePrepared } from './types.js';

/*
 * Key names come from the package's own KeySpace; the hash encoding (codec.ts encodeToken: id,
 * version, each non-null data field, `idx:<kind>` digests) is duplicated. `checkLayout` compares
 * every key, type and value a store save writes with what this code writes for the same record.
 */
const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];
const TOKENS_PER_PIPELINE = 1_000;
/** Commands sent but not yet answered while seeding: about two batches. */
const IN_FLIGHT = 10_000;

/** The token hash's field/value pairs, and the digests of its unique keys (reused for the index key names). */
function encodeToken(record: StoredToken): { fields: string[]; digests: UniqueKeys } {
  const fields = ['id', record.id, 'version', String(record.version)];
  for (const field of DATA_FIELDS) {
    const value = record[field];
    if (value !== null) fields.push(field, String(value));
  }
  const digests = hashedUniqueKeysOf(record);
  for (const kind of KINDS) {
    const digest = digests[kind];
    if (digest !== null) fields.push(`idx:${kind}`, digest);
  }
  return { fields, digests };
}

/**
 * Pipelined writes of the store's layout: the token hash, one index key per unique value, the ref
 * in the ids set. Index key names are KeySpace.index's (`indexPrefix + kind + ':' + hashKey(value)`)
 * built from the digests already computed: SHA-256 is most of the seeding's CPU time.
 */
async function seedOurs(pipe: RespPipe, keys: KeySpace, n: number, records: (from: number, to: number) => StoredToken[]): Promise<void> {
  for (let from = 0; from < n; from += TOKENS_PER_PIPELINE) {
    for (const record of records(from, Math.min(n, from + TOKENS_PER_PIPELINE))) {
      const ref = keys.ref(record.id);
      const { fields, digests } = encodeToken(record);
      pipe.command('HSET', keys.tokenPrefix + ref, ...fields);
      for (const kind of KINDS) {
        const digest = digests[kind];
        if (digest !== null) pipe.command('SET', `${keys.indexPrefix}${kind}:${digest}`, ref);
      }
      pipe.command('SADD', keys.ids, ref);
    }
    await pipe.flush(IN_FLIGHT);
  }
  await pipe.flush();
}

/** Every key of a namespace (a handful here), with the namespace taken out of its name, its type and its value. */
async function dump(client: Redis, namespace: string): Promise<string> {
  const entries: string[] = [];
  for (const key of (await client.keys(`tokens:{${namespace}}:*`)).sort()) {
    const type = await client.type(key);
    const value =
      type === 'hash'
        ? Object.entries(await client.hgetall(key)).sort()
        : type === 'set'
          ? (await client.smembers(key)).sort()
          : await client.get(key);
    entries.push(JSON.stringify([key.replace(`{${namespace}}`, '{}'), type, value]));
  }
  return entries.join('\n');
}

/** See ScaleBackend.prepare: a token saved by the store and the same token seeded must be stored alike. */
async function checkLayout(url: string, client: Redis, pipe: RespPipe): Promise<void> {
  const store = createRedisStore({ url, namespace: 'layout_saved' });
  const token = await store.saveToken(tokenAt(0, 'layout'));
  await store.close();
  await seedOurs(pipe, new KeySpace('layout_seeded'), 1, () => [{ ...recordAt(0), ...token }]);
  const saved = await dump(client, 'layout_saved');
  if (saved === '' || saved !== (await dump(client, 'layout_seeded'))) {
    throw new Error('redis: the keys the store writes differ from what seed/redis.ts writes');
  }
  await client.flushall();
}

/**
 * MEMORY USAGE of the keys of 200 tokens (hash and index keys) plus each one's share of the ids set:
 * what the data itself takes, without the allocator's and the keyspace's overhead in used_memory.
 */
async function sampledUsage(client: Redis, keys: KeySpace, ids: string[]): Promise<{ ours: number; raw: number }> {
  const usage = async (key: string) => Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const sample = Math.min(ids.length, 200);
  let ours = 0;
  let raw = 0;
  for (let s = 0; s < sample; s++) {
    const i = Math.floor((s * ids.length) / sample);
    const record = recordAt(i, ids[i]);
    ours += await usage(keys.token(record.id));
    for (const [kind, value] of [
      ['user', record.userSignature],
      ['access', record.accessToken],
      ['refresh', record.refreshToken],
    ] as const) {
      ours += await usage(keys.index(kind, value ?? ''));
    }
    const rawId = String(await client.get(`raw:u:${record.userSignature}`));
    raw += (await usage(`raw:t:${rawId}`)) + (await usage(`raw:u:${record.userSignature}`)) + (await usage(`raw:r:${record.refreshToken}`));
  }
  return { ours: ours / sample + (await usage(keys.ids)) / ids.length, raw: raw / sample + (await usage('raw:ids')) / ids.length };
}

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

const FIND_BY_INDEX = `local id = redis.call('GET', KEYS[1]) if not id then return nil end return redis.call('HGETALL', 'raw:t:' .. id)`;

export const redisScale: ScaleBackend = {
  name: 'redis',
  server: true,
  async prepare(n): Promise<ScalePrepared | string> {
    const server = await startRedis();
    if (!server) return 'redis-server is not installed (bash scripts/install-test-servers.sh)';
    const client = new Redis(server.url);
    const pipe = await RespPipe.open(server.host, server.port);
    const closeAll = async () => {
      pipe.close();
      // Stopping must not first write gigabytes of dataset to disk (test-servers sets a save point).
      await client.config('SET', 'save', '').catch(() => undefined);
      client.disconnect();
      await server.dispose();
    };
    try {
      await checkLayout(server.url, client, pipe);
      const store = createRedisStore({ url: server.url });
      const keys = new KeySpace('tokens');
      const ids: string[] = new Array(n);
      const empty = await usedMemory(client);
      let start = performance.now();
      await seedOurs(pipe, keys, n, (from, to) => recordBatch(from, to, ids));
      const oursMs = elapsedMs(start);
      const withOurs = await usedMemory(client);

      // Raw (see suites/redis.ts): a hash per token and an index key per lookup field; every lookup one round trip.
      const rawIds: string[] = new Array(n);
      const write = (pipeline: ReturnType<Redis['pipeline']>, record: StoredToken) =>
        pipeline
          .hset(`raw:t:${record.id}`, flatten(record))
          .set(`raw:u:${record.userSignature}`, record.id)
          .set(`raw:r:${record.refreshToken}`, record.id)
          .sadd('raw:ids', record.id);
      start = performance.now();
      for (let from = 0; from < n; from += TOKENS_PER_PIPELINE) {
        for (const record of recordBatch(from, Math.min(n, from + TOKENS_PER_PIPELINE), rawIds)) {
          pipe.command('HSET', `raw:t:${record.id}`, ...Object.entries(flatten(record)).flat());
          pipe.command('SET', `raw:u:${record.userSignature}`, record.id);
          pipe.command('SET', `raw:r:${record.refreshToken}`, record.id);
          pipe.command('SADD', 'raw:ids', record.id);
        }
        await pipe.flush(IN_FLIGHT);
      }
      await pipe.flush();
      const rawMs = elapsedMs(start);
      const withRaw = await usedMemory(client);
      const sampled = await sampledUsage(client, keys, ids);
      client.defineCommand('findByIndex', { numberOfKeys: 1, lua: FIND_BY_INDEX });
      const findByIndex = (key: string) => (client as unknown as { findByIndex(key: string): Promise<string[]> }).findByIndex(key);
      let inserted = 0;
      return {
        store,
        ids,
        seedMs: { ours: oursMs, raw: rawMs },
        footprint: [
          { what: 'used_memory', ours: (withOurs - empty) / n, raw: (withRaw - withOurs) / n },
          { what: 'MEMORY USAGE (sampled keys)', ours: sampled.ours, raw: sampled.raw },
        ],
        raw: {
          findByUser: (user) => findByIndex(`raw:u:${user}`),
          findByRefresh: (refreshToken) => findByIndex(`raw:r:${refreshToken}`),
          findById: (index) => client.hgetall(`raw:t:${rawIds[index]}`),
          updateUser: (index, token: OAuthToken) =>
            client.hset(`raw:t:${rawIds[index]}`, 'accessToken', token.accessToken ?? '', 'expiryTime', String(token.expiryTime)),
          insert: (token) => write(client.multi(), asRecord(token, `raw-${inserted++}`)).exec(),
        },
        rawCount: () => client.scard(keys.ids),
        async close() {
          await store.close();
          await closeAll();
        },
      };
    } catch (error) {
      await closeAll();
      throw error;
    }
  },
};

function flatten(record: StoredToken): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record)
      .filter(([, value]) => value != null)
      .map(([key, value]) => [key, String(value)]),
  );
}
