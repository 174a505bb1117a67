import type { LookupKey } from './lookup.js';
import type { SaveOutcome, SavePlan } from './save-plan.js';
import type { StoredToken } from './token.js';

export type Awaitable<T> = T | Promise<T>;

export type InsertResult = 'inserted' | 'duplicate';
export type UpdateResult = 'updated' | 'stale' | 'duplicate';

/**
 * The small primitive a backend implements; `createTokenStore` builds the full contract on it.
 *
 * Uniqueness is the backend's job, enforced by the storage itself (unique indexes, a lock, a
 * script), because only the storage can make it hold across processes: within one namespace, at
 * most one record per `id` and per non-empty `userSignature`, `accessToken`, `refreshToken`,
 * `grantToken` (see `uniqueKeysOf`; `hashKey` gives short index keys).
 *
 * Records handed to the backend are never mutated afterwards, and records it returns are never
 * mutated by the store, so an in-memory backend may keep and return the same objects.
 */
export interface TokenBackend {
  /** Short backend name used in error messages, e.g. `sqlite`. */
  readonly backend: string;
  readonly namespace: string;
  getById(id: string): Awaitable<StoredToken | null>;
  /** The record whose field for `key.kind` equals `key.value` exactly (case-sensitive). */
  findByKey(key: LookupKey): Awaitable<StoredToken | null>;
  /** Adds the record, or `'duplicate'` (nothing written) if its id or a unique key is taken. */
  insert(record: StoredToken): Awaitable<InsertResult>;
  /**
   * Replaces the record with `record.id` if its stored version is `expectedVersion`:
   * `'stale'` if it is gone or has another version, `'duplicate'` if a unique key of `record`
   * is held by another record; nothing written in both cases. `previous` is the record as read
   * (at `expectedVersion`): a backend may use it to leave unchanged index entries alone.
   */
  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Awaitable<UpdateResult>;
  /**
   * Optional: the whole save in one atomic step (one round trip on a server), following the plan
   * core computed (see {@link SavePlan}: the rules are in the plan, not in the backend). Without
   * it, or for a save the plan cannot express, core reads and then writes with `update`/`insert`.
   */
  save?(plan: SavePlan): Awaitable<SaveOutcome>;
  /**
   * Optional: many new records in as few round trips and commits as the storage allows (one
   * transaction, one multi-row statement, one pipeline); without it core inserts them one by one.
   * Core never sends two records of one batch that share an id or a unique key. One result per
   * record, in order: `'inserted'`, or `'duplicate'` when its id or a unique key is already taken
   * (nothing of that record written). Each record is atomic; the batch need not be: after a throw,
   * some may have landed, and inserting them again reports them as duplicates.
   */
  insertMany?(records: readonly StoredToken[]): Awaitable<InsertResult[]>;
  delete(id: string): Awaitable<void>;
  list(): Awaitable<StoredToken[]>;
  clear(): Awaitable<void>;
  close(): Awaitable<void>;
  /** Optional: what to tell the user about a driver error (default: `UNAVAILABLE`). */
  describeError?(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } | undefined;
}

export function isTokenBackend(value: unknown): value is TokenBackend {
  const candidate = value as Partial<TokenBackend> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.findByKey === 'function' &&
    typeof candidate.insert === 'function' &&
    typeof candidate.update === 'function'
  );
}
