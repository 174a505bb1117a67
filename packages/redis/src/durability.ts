import { setTimeout as delay } from 'node:timers/promises';
import { BackendFailure, TokenStoreError } from '@tokens/core';
import { Cluster, type Redis } from 'ioredis';

/**
 * `durability` option of `createRedisStore`: after every write, `WAIT replicas timeoutMs` on the
 * master that took it, in the same round trip. A save is acknowledged only once `replicas`
 * replicas have it, so it survives the failover of its master (to one of those replicas).
 */
export interface RedisDurability {
  /** Replicas that must have each write before the save is acknowledged (≥ 1). */
  replicas: number;
  /**
   * How long the master waits for them (default 1,000 ms, and below `operationTimeoutMs`); past it the
   * save fails with UNAVAILABLE although it landed on the master.
   */
  timeoutMs?: number;
}

export interface Durability {
  readonly replicas: number;
  readonly timeoutMs: number;
}

const DEFAULT_WAIT_MS = 1_000;

/** The checked option; INVALID_OPTIONS when unusable. `undefined`: no WAIT (the default). */
export function checkDurability(value: unknown, operationTimeoutMs: number): Durability | undefined {
  if (value === undefined) return undefined;
  const { replicas, timeoutMs = Math.min(DEFAULT_WAIT_MS, Math.floor(operationTimeoutMs / 2)) } = (value ?? {}) as RedisDurability;
  if (typeof value !== 'object' || value === null) invalid('durability must be an object { replicas, timeoutMs? }');
  if (!isPositiveInteger(replicas)) invalid('durability.replicas must be a positive integer');
  // WAIT 0 blocks forever; a wait as long as the operation would only turn into its timeout.
  if (!isPositiveInteger(timeoutMs) || timeoutMs >= operationTimeoutMs) {
    invalid(`durability.timeoutMs must be a positive integer (ms) below operationTimeoutMs (${operationTimeoutMs})`);
  }
  return { replicas, timeoutMs };
}

/**
 * Runs the script defined on `client` as `name` (`keysAndArgs` as for the defined command: the key
 * count first) and `WAIT`s for the replicas in one pipeline on the master that runs it. When
 * `wrote(result)` (the script changed something) and fewer replicas acknowledged, fails with
 * UNAVAILABLE. The script's result otherwise.
 *
 * Why not the defined command inside a pipeline: on NOSCRIPT ioredis re-sends it outside the
 * pipeline, after the WAIT, which would then confirm nothing; and a Cluster pipeline in which a
 * write succeeded (WAIT counts as one) is never retried on MOVED/ASK. So redirections are followed
 * here: only when the script did not run (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, NOSCRIPT), a bounded
 * number of times (ioredis' own bounds: 16 redirections, 100 ms between retries).
 */
export async function writeDurably(
  client: Redis | Cluster,
  durability: Durability,
  name: string,
  keysAndArgs: readonly (string | number)[],
  wrote: (result: unknown) => boolean,
): Promise<unknown> {
  const script = scriptOf(client, name);
  let target: Redis | Cluster = client;
  let asking = false;
  let sendText = false;
  for (let attempt = 1; ; attempt++) {
    const pipeline = target.pipeline();
    if (asking) pipeline.asking();
    if (sendText) pipeline.eval(script.lua, ...(keysAndArgs as [number, ...(string | number)[]]));
    else pipeline.evalsha(script.sha, ...(keysAndArgs as [number, ...(string | number)[]]));
    pipeline.wait(durability.replicas, durability.timeoutMs);
    const replies = (await pipeline.exec()) ?? [];
    const [scriptReply, waitReply] = replies.slice(asking ? 1 : 0);
    const [error, result] = scriptReply ?? [new Error('no reply to the write script')];
    if (!error) {
      if (!wrote(result)) return result;
      const [waitError, acknowledged] = waitReply ?? [new Error('no reply to WAIT')];
      if (waitError) throw waitError;
      if (Number(acknowledged) < durability.replicas) throw unconfirmed(durability, Number(acknowledged));
      return result;
    }
    const redirect = redirectionOf(error);
    if (!redirect || attempt >= MAX_ATTEMPTS) throw error;
    asking = false;
    target = client;
    if (redirect.kind === 'NOSCRIPT') {
      sendText = true;
      continue;
    }
    if (client instanceof Cluster) {
      if (redirect.kind === 'MOVED') await refreshSlots(client);
      if (redirect.kind === 'ASK') {
        const node = nodeAt(client, redirect.address);
        if (node) {
          target = node;
          asking = true;
          // The target has never seen the script on this connection, perhaps.
          sendText = true;
          continue;
        }
        await refreshSlots(client);
      }
    }
    if (redirect.kind === 'TRYAGAIN' || redirect.kind === 'CLUSTERDOWN') await delay(RETRY_DELAY_MS);
  }
}

const MAX_ATTEMPTS = 16;
const RETRY_DELAY_MS = 100;

function unconfirmed(durability: Durability, acknowledged: number): BackendFailure {
  return new BackendFailure(
    'UNAVAILABLE',
    `the write landed on the Redis master but was not confirmed by ${durability.replicas} replica(s) within ` +
      `${durability.timeoutMs} ms (${acknowledged} acknowledged): whether it survives a failover is unknown; saving again is safe`,
  );
}

type Redirect = { kind: 'MOVED' | 'ASK'; address: string } | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' | 'NOSCRIPT' };

/** Errors that mean the script did not run at all, so sending it again cannot apply it twice. */
function redirectionOf(error: unknown): Redirect | undefined {
  const message = error instanceof Error ? error.message : '';
  const redirect = /^(MOVED|ASK) \d+ (\S+)/.exec(message);
  if (redirect) return { kind: redirect[1] as 'MOVED' | 'ASK', address: redirect[2] as string };
  const word = /^(TRYAGAIN|CLUSTERDOWN|NOSCRIPT)\b/.exec(message)?.[1];
  return word ? { kind: word as 'TRYAGAIN' | 'CLUSTERDOWN' | 'NOSCRIPT' } : undefined;
}

/** The connection ioredis itself keeps to that node (`nodes()` hands out the pool's clients). */
function nodeAt(cluster: Cluster, address: string): Redis | undefined {
  return cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === address);
}

function refreshSlots(cluster: Cluster): Promise<void> {
  // A failed refresh leaves the old map: the next attempt's redirection says so.
  return new Promise((resolve) => cluster.refreshSlotsCache(() => resolve()));
}

/** The Lua and SHA of a script `defineCommand` added (ioredis keeps them in `scriptsSet`). */
function scriptOf(client: Redis | Cluster, name: string): { lua: string; sha: string } {
  const script = (client as unknown as { scriptsSet?: Record<string, { lua: string; sha: string }> }).scriptsSet?.[name];
  if (!script) throw new BackendFailure('UNAVAILABLE', `the Redis script ${name} is not defined on this client`);
  return script;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function invalid(reason: string): never {
  throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'redis', operation: 'create', reason });
}
