import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { createOwnClient } from './connection.js';
import { checkDurability, type RedisDurability } from './durability.js';
import { RedisBackend } from './redis-backend.js';
import { SpreadBackend } from './spread/backend.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface RedisStoreOptions extends TokenStoreOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://...` for TLS. */
  url?: string;
  /** ioredis options (host, port, password, db, tls, ...), alone or on top of `url`. */
  options?: RedisOptions;
  /** A Redis Cluster to connect to: its seed nodes and ioredis Cluster options. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Your own ioredis `Redis` or `Cluster`; the store uses it as configured and never closes it. */
  client?: Redis | Cluster;
  /** Tokens of other namespaces on the same server are invisible (default `tokens`). */
  namespace?: string;
  /** Time to establish a connection (default 5,000 ms; for clients the store creates). */
  connectTimeoutMs?: number;
  /**
   * Bound on a whole operation, every round trip, retry and wait for a connection included, then
   * UNAVAILABLE (default 5,000 ms); each round trip is bounded by it too.
   */
  operationTimeoutMs?: number;
  /**
   * Wait for replicas after every write (`WAIT`, in the write's round trip): an acknowledged save
   * then survives a failover of its master. Off by default: an acknowledged save can be lost if its
   * master dies before replicating it. See the README, "Durability and failover".
   */
  durability?: RedisDurability;
  /**
   * `'slot'` (default, the layout of 0.1.x): a namespace in one hash slot, every save one atomic
   * script. `'spread'`: a namespace over many slots, hence over every master of a Cluster, with a
   * claim protocol for uniqueness (lookups 2 round trips, saves several). See the README, "Spread layout".
   */
  layout?: 'slot' | 'spread';
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** A store on Redis (standalone or Cluster). With no connection option it connects to localhost:6379. */
export function createRedisStore(options: RedisStoreOptions = {}): TokenStore {
  const namespace = checkNamespace(options.namespace, 'redis');
  const connectTimeoutMs = checkTimeout(options.connectTimeoutMs, 'connectTimeoutMs');
  const operationTimeoutMs = checkTimeout(options.operationTimeoutMs, 'operationTimeoutMs');
  const durability = checkDurability(options.durability, operationTimeoutMs);
  const layout = options.layout ?? 'slot';
  if (layout !== 'slot' && layout !== 'spread') invalid("layout must be 'slot' or 'spread'");
  const given = [options.client, options.url ?? options.options, options.cluster].filter((value) => value !== undefined);
  if (given.length > 1) invalid('give one of client, url/options or cluster');
  const owned = options.client === undefined;
  const client = options.client ?? createOwnClient({ ...options, connectTimeoutMs, operationTimeoutMs });
  // An owned client's errors surface through the operations; without a listener ioredis would also print them.
  if (owned) client.on('error', () => {});
  // The engine bounds the whole operation (every round trip and retry) by operationTimeoutMs.
  const settings = { namespace, owned, operationTimeoutMs, durability };
  const backend = layout === 'spread' ? new SpreadBackend(client, settings) : new RedisBackend(client, settings);
  return createTokenStore(backend, { ...options, operationTimeoutMs });
}

function checkTimeout(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) invalid(`${name} must be a positive integer (ms)`);
  return value as number;
}

function invalid(reason: string): never {
  throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'redis', operation: 'create', reason });
}
