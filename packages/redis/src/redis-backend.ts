import {
  type InsertResult,
  LOOKUP_FIELD,
  type LookupKey,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
  uniqueKeysOf,
} from '@tokens/core';
import type { Cluster, Redis } from 'ioredis';
import { decodeFields, decodeToken, encodeToken } from './codec.js';
import { closeOwnClient, describeRedisError, watch, withinTimeout } from './connection.js';
import { type Durability, writeDurably } from './durability.js';
import { KeySpace, KINDS } from './keys.js';
import { writeAll } from './pipeline.js';
import { outcomeOf, saveArgs, savedSomething, saveInTwoSteps, scriptCanRun } from './save.js';
import { defineScripts, type ScriptClient } from './scripts.js';

export interface RedisBackendOptions {
  namespace: string;
  /** The store closes the client on close() only when it owns it. */
  owned: boolean;
  operationTimeoutMs: number;
  /** Tokens per round trip when listing or clearing a namespace. */
  batchSize?: number;
  /** WAIT for replicas after every write (see durability.ts); none by default. */
  durability?: Durability;
}

const DEFAULT_BATCH_SIZE = 500;
const WROTE = (result: unknown) => result === 1;
// A clear batch reports how many are left, not whether it removed any.
const ALWAYS = () => true;

/** The Redis primitive: one hash per token, one key per unique value, a set of refs; see keys.ts. */
export class RedisBackend implements TokenBackend {
  readonly backend = 'redis';
  readonly namespace: string;
  readonly keys: KeySpace;
  readonly #client: ScriptClient;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  readonly #batchSize: number;
  readonly #durability: Durability | undefined;

  constructor(client: Redis | Cluster, options: RedisBackendOptions) {
    this.namespace = options.namespace;
    this.keys = new KeySpace(options.namespace);
    this.#client = defineScripts(client);
    // From the first connection attempt on: a wrong password is then reported by the first operation.
    watch(client);
    this.#owned = options.owned;
    this.#timeoutMs = options.operationTimeoutMs;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#durability = options.durability;
  }

  async getById(id: string): Promise<StoredToken | null> {
    const hash = await this.#send(() => this.#client.hgetall(this.keys.token(id)));
    const record = decodeToken(hash);
    return record && record.id === id ? record : null;
  }

  async findByKey(key: LookupKey): Promise<StoredToken | null> {
    const hash = await this.#send(() => this.#client.tokensFind(1, this.keys.index(key.kind, key.value), this.keys.tokenPrefix));
    const record = hash ? decodeFields(hash as (string | null)[]) : null;
    // The index names a digest; the record itself must hold the value (it always does unless the
    // data was altered behind the store's back).
    return record && record[LOOKUP_FIELD[key.kind]] === key.value ? record : null;
  }

  async insert(record: StoredToken): Promise<InsertResult> {
    const result = await this.#write('tokensInsert', this.#writeArgs(record));
    return result === 1 ? 'inserted' : 'duplicate';
  }

  /**
   * Every record's insert script in one pipeline: one round trip (with `durability`, one WAIT at its
   * end confirms them all). Each script is atomic, as `insert`; the batch is not. A namespace lives
   * in one slot, so in a Cluster the whole pipeline goes to one master.
   */
  async insertMany(records: readonly StoredToken[]): Promise<InsertResult[]> {
    const calls = records.map((record) => this.#writeArgs(record));
    const results = await this.#send(() => writeAll(this.#client, this.#durability, 'tokensInsert', calls, WROTE));
    return results.map((result) => (result === 1 ? 'inserted' : 'duplicate'));
  }

  async update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    const [count, ...keysAndArgs] = this.#writeArgs(record);
    const fields = keysAndArgs.splice(count + 3);
    const result = await this.#write('tokensUpdate', [count, ...keysAndArgs, String(expectedVersion), ...fields]);
    return result === 1 ? 'updated' : result === -1 ? 'duplicate' : 'stale';
  }

  /** The whole save in one script: one round trip, no read before it (see save.ts and SAVE in scripts.ts). */
  async save(plan: SavePlan): Promise<SaveOutcome> {
    if (!scriptCanRun(plan)) return saveInTwoSteps(plan, this);
    return outcomeOf(await this.#write('tokensSave', saveArgs(this.keys, plan), savedSomething), plan);
  }

  async delete(id: string): Promise<void> {
    const { keys } = this;
    await this.#write('tokensDelete', [2, keys.token(id), keys.ids, keys.ref(id), keys.tokenPrefix, keys.indexPrefix]);
  }

  /** SSCAN in batches, each with its hashes in the same script: memory and time per round trip stay bounded. */
  async list(): Promise<StoredToken[]> {
    const byId = new Map<string, StoredToken>();
    let cursor = '0';
    do {
      const page = (await this.#send(() =>
        this.#client.tokensListBatch(1, this.keys.ids, this.keys.tokenPrefix, cursor, this.#batchSize),
      )) as [string, ...string[][]];
      cursor = page[0];
      for (const hash of page.slice(1) as string[][]) {
        const record = decodeToken(hash);
        // SSCAN may return a member twice.
        if (record) byId.set(record.id, record);
      }
    } while (cursor !== '0');
    return [...byId.values()];
  }

  async clear(): Promise<void> {
    const { keys } = this;
    let left: unknown;
    do {
      left = await this.#write('tokensClearBatch', [1, keys.ids, keys.tokenPrefix, keys.indexPrefix, this.#batchSize], ALWAYS);
    } while (typeof left === 'number' && left > 0);
  }

  async close(): Promise<void> {
    if (this.#owned) await closeOwnClient(this.#client, this.#timeoutMs);
  }

  describeError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } {
    return describeRedisError(error);
  }

  /** [key count, token key, ids set, index keys..., ref, token prefix, index prefix, field/value pairs...] */
  #writeArgs(record: StoredToken): [number, ...string[]] {
    const { keys } = this;
    const unique = uniqueKeysOf(record);
    const indexKeys: string[] = [];
    for (const kind of KINDS) {
      const value = unique[kind];
      if (value !== null) indexKeys.push(keys.index(kind, value));
    }
    return [
      2 + indexKeys.length,
      keys.token(record.id),
      keys.ids,
      ...indexKeys,
      keys.ref(record.id),
      keys.tokenPrefix,
      keys.indexPrefix,
      ...encodeToken(record),
    ];
  }

  /**
   * Every write script goes through here: with `durability` the script and a WAIT travel in one
   * round trip, and a write the replicas did not confirm fails. `wrote` tells a result that changed
   * something (default: 1) from one that changed nothing, which needs no confirmation.
   */
  #write(script: string, keysAndArgs: [number, ...(string | number)[]], wrote: (result: unknown) => boolean = WROTE): Promise<unknown> {
    const durability = this.#durability;
    if (durability) return this.#send(() => writeDurably(this.#client, durability, script, keysAndArgs, wrote));
    const run = (this.#client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[script];
    if (!run) throw new Error(`the Redis script ${script} is not defined`);
    return this.#send(() => run.apply(this.#client, keysAndArgs));
  }

  #send<T>(command: () => Promise<T>): Promise<T> {
    return withinTimeout(this.#client, this.#timeoutMs, command);
  }
}
