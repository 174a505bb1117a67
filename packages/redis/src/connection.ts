import { BackendFailure } from '@tokens/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { withinDeadline } from './deadlines.js';

export interface ConnectionOptions {
  url?: string;
  options?: RedisOptions;
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  client?: Redis | Cluster;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

/** Keeps reconnecting for as long as the store lives, so it recovers by itself when Redis is back. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 1_000);

/**
 * A client the store owns. Settings chosen so nothing hangs or queues forever and nothing runs
 * late: commands are never parked in ioredis' offline queue (the store waits for a connection
 * itself, bounded by the operation timeout), and commands cut off by a lost connection are not
 * re-sent on reconnect, where a save the caller was told had failed could land after all.
 */
export function createOwnClient(options: ConnectionOptions): Redis | Cluster {
  const timeouts = { connectTimeout: options.connectTimeoutMs, commandTimeout: options.operationTimeoutMs };
  const safety = { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 };
  if (options.cluster) {
    const given = options.cluster.options ?? {};
    return new Cluster(options.cluster.nodes, {
      enableOfflineQueue: false,
      ...given,
      redisOptions: { ...timeouts, ...given.redisOptions, ...safety },
    });
  }
  const settings: RedisOptions = { ...timeouts, retryStrategy, ...options.options, ...safety, enableOfflineQueue: false };
  return options.url ? new Redis(options.url, settings) : new Redis(settings);
}

const WAITING = new Set(['connecting', 'connect', 'reconnecting', 'close', 'disconnecting']);

/**
 * Redis refusing the credentials: WRONGPASS (a wrong password or user), NOAUTH (a password is
 * required and none was given), or the older `ERR invalid password`. ioredis answers them by
 * reconnecting forever, so without this a wrong password looks like a timeout.
 */
export function authFailureOf(error: unknown): BackendFailure | undefined {
  const nested = (error as { lastNodeError?: unknown } | null)?.lastNodeError;
  const { message } = (error ?? {}) as { message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const word =
    /\b(WRONGPASS|NOAUTH|NOPERM)\b/.exec(text)?.[1] ?? (/invalid password|AUTH.*without any password/i.test(text) ? 'ERR' : undefined);
  if (word) {
    return new BackendFailure(
      'UNAVAILABLE',
      `authentication failed: Redis refused the credentials (${word}); check the username and password`,
    );
  }
  return nested === undefined ? undefined : authFailureOf(nested);
}

/** The last authentication failure of each client while it is not connected; cleared on `ready`. */
const authFailures = new WeakMap<Redis | Cluster, BackendFailure>();
const watched = new WeakSet<Redis | Cluster>();

/** Remembers a client's authentication failures, so every operation reports them at once. */
export function watch(client: Redis | Cluster): void {
  if (watched.has(client)) return;
  watched.add(client);
  const onError = (error: unknown) => {
    const failure = authFailureOf(error);
    if (failure) authFailures.set(client, failure);
  };
  client.on('error', onError);
  // A Cluster reports the errors of its nodes separately.
  client.on('node error', onError);
  client.on('ready', () => authFailures.delete(client));
}

/** Runs one round trip within the operation timeout, waiting (bounded) for a connection first. */
export function withinTimeout<T>(client: Redis | Cluster, timeoutMs: number, command: () => Promise<T>): Promise<T> {
  // The common case, a connected client, with no timer of its own per round trip (see deadlines.ts).
  if (client.status === 'ready') {
    watch(client);
    return withinDeadline(timeoutMs, command);
  }
  return afterConnecting(client, timeoutMs, command);
}

async function afterConnecting<T>(client: Redis | Cluster, timeoutMs: number, command: () => Promise<T>): Promise<T> {
  if (client.status === 'end') throw new BackendFailure('UNAVAILABLE', 'the Redis client is closed');
  watch(client);
  const refused = authFailures.get(client);
  if (refused && client.status !== 'ready') throw refused;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendFailure('UNAVAILABLE', `no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    if (WAITING.has(client.status)) await Promise.race([connected(client), timeout]);
    return await Promise.race([command(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const pending = new WeakMap<Redis | Cluster, Promise<void>>();

/** One shared wait per client, however many operations wait for the connection to come back. */
function connected(client: Redis | Cluster): Promise<void> {
  let waiting = pending.get(client);
  if (!waiting) {
    waiting = new Promise<void>((resolve, reject) => {
      const settle = (error?: BackendFailure) => {
        pending.delete(client);
        client.off('ready', onReady);
        client.off('end', onEnd);
        client.off('error', onError);
        client.off('node error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new BackendFailure('UNAVAILABLE', 'the Redis client is closed'));
      const onError = (error: unknown) => {
        const failure = authFailureOf(error);
        if (failure) settle(failure);
      };
      client.on('ready', onReady);
      client.on('end', onEnd);
      client.on('error', onError);
      client.on('node error', onError);
    });
    // Operations that gave up waiting no longer listen; the rejection is theirs to ignore.
    waiting.catch(() => {});
    pending.set(client, waiting);
  }
  return waiting;
}

/** Quits a client the store created; never waits long on a server that is gone. */
export async function closeOwnClient(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } catch {
    // The connection is going away either way.
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Driver errors in words without secrets: ioredis messages can echo keys or script text, so none is copied. */
export function describeRedisError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } {
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : '';
  const auth = authFailureOf(error);
  if (auth) return { code: 'UNAVAILABLE', reason: auth.message };
  if (name === 'ReplyError') {
    const word = /^[A-Z]{2,20}\b/.exec(text)?.[0] ?? 'ERR';
    if (word === 'WRONGTYPE') return { code: 'CORRUPT', reason: 'a key of this namespace holds a value of the wrong type' };
    // A script touching a key that is no longer (or not yet) on its node: the slot is migrating.
    if (/non local key|not local/.test(text))
      return { code: 'UNAVAILABLE', reason: 'Redis refused the script: its slot is being migrated (reshard)' };
    if (word === 'TRYAGAIN')
      return { code: 'UNAVAILABLE', reason: 'Redis refused the command (TRYAGAIN): its slot is being migrated (reshard)' };
    return { code: 'UNAVAILABLE', reason: `Redis refused the command (${word})` };
  }
  if (name === 'MaxRetriesPerRequestError') return { code: 'UNAVAILABLE', reason: 'Redis is unreachable (the connection was lost)' };
  if (text === 'Command timed out') return { code: 'UNAVAILABLE', reason: 'Redis did not answer in time' };
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { code: 'UNAVAILABLE', reason: `Redis is unreachable (${code})` };
  if (/Connection is closed|Stream isn't writeable|isn't ready|enableOfflineQueue/.test(text)) {
    return { code: 'UNAVAILABLE', reason: 'Redis is unreachable (not connected)' };
  }
  if (/startup nodes|slots cache|cluster/i.test(text)) return { code: 'UNAVAILABLE', reason: 'the Redis Cluster is unreachable' };
  return { code: 'UNAVAILABLE', reason: `Redis failed (${typeof name === 'string' ? name : 'unknown error'})` };
}
