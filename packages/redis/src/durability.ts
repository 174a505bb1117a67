import { TokenStoreError } from '@tokens/core';
import type { Cluster, Redis } from 'ioredis';
import { writeAll } from './pipeline.js';

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
 * UNAVAILABLE. The script's result otherwise. Redirections are followed: see `writeAll`.
 */
export async function writeDurably(
  client: Redis | Cluster,
  durability: Durability,
  name: string,
  keysAndArgs: readonly (string | number)[],
  wrote: (result: unknown) => boolean,
): Promise<unknown> {
  return (await writeAll(client, durability, name, [keysAndArgs], wrote))[0];
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function invalid(reason: string): never {
  throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'redis', operation: 'create', reason });
}
