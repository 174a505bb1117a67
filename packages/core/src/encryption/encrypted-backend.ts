import type { Awaitable, InsertResult, TokenBackend, UpdateResult } from '../backend.js';
import { BackendFailure } from '../errors.js';
import { LOOKUP_FIELD, type LookupKey } from '../lookup.js';
import type { StoredToken } from '../token.js';
import { DecryptCache } from './cache.js';
import { andThen } from './chain.js';
import {
  DecodeProblem,
  DIGEST_FIELDS,
  type DigestField,
  decodeRecord,
  describeId,
  digestOf,
  encodeRecord,
  isEncryptedRecord,
  keyIdOf,
} from './codec.js';
import { buildKeyring, type Keyring } from './keyring.js';
import type { EncryptionOptions } from './options.js';

/**
 * A `TokenBackend` in front of another: records go down encrypted (see codec.ts) and come back
 * decrypted. The inner backend's unique indexes see digests, so they still enforce uniqueness,
 * and lookups by token stay one indexed query.
 */
export class EncryptedBackend implements TokenBackend {
  readonly inner: TokenBackend;
  readonly allowPlaintext: boolean;
  #ring: Keyring | undefined;
  #loading: Promise<Keyring> | undefined;
  readonly #provider: (() => unknown) | undefined;
  /** Each decoded record → the stored form it came from, handed to `update` as `previous`. */
  readonly #stored = new WeakMap<StoredToken, StoredToken>();
  readonly #cache: DecryptCache;

  constructor(inner: TokenBackend, options: EncryptionOptions) {
    this.inner = inner;
    this.allowPlaintext = options.allowPlaintext === true;
    const cacheSize = options.cacheSize ?? 1000;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new TypeError('encryption.cacheSize must be a non-negative integer');
    this.#cache = new DecryptCache(cacheSize);
    const hasKeys = options.keys !== undefined || options.indexKey !== undefined;
    if (hasKeys === (options.keyProvider !== undefined)) throw new TypeError('give either keys and indexKey, or a keyProvider');
    if (options.keyProvider !== undefined) {
      if (typeof options.keyProvider !== 'function') throw new TypeError('keyProvider must be a function');
      this.#provider = options.keyProvider;
    } else {
      const ring = buildKeyring({ keys: options.keys ?? [], indexKey: options.indexKey ?? '' });
      if (typeof ring === 'string') throw new TypeError(ring);
      this.#ring = ring;
    }
    if (inner.describeError) this.describeError = (error) => inner.describeError?.(error);
    // A batch is encrypted record by record and sent as one; a migrating store (allowPlaintext)
    // must look for a plain holder of each record first, so it inserts one by one.
    const insertMany = inner.insertMany?.bind(inner);
    if (insertMany && !this.allowPlaintext) {
      this.insertMany = (records) =>
        this.#withRing((ring) => insertMany(records.map((record) => encodeRecord(ring, this.namespace, record, undefined, this.#cache))));
    }
  }

  describeError?: TokenBackend['describeError'];
  insertMany?: TokenBackend['insertMany'];

  get backend(): string {
    return this.inner.backend;
  }

  get namespace(): string {
    return this.inner.namespace;
  }

  getById(id: string): Awaitable<StoredToken | null> {
    return this.#withRing((ring) => andThen(this.inner.getById(id), (stored) => stored && this.decode(ring, stored)));
  }

  findByKey(key: LookupKey): Awaitable<StoredToken | null> {
    return this.#withRing((ring) => {
      if (key.kind === 'user') return andThen(this.inner.findByKey(key), (stored) => stored && this.decode(ring, stored));
      const field = LOOKUP_FIELD[key.kind];
      const digest = digestOf(ring, field, key.value) as string;
      return andThen(this.inner.findByKey({ kind: key.kind, value: digest }), (stored) => {
        if (stored) {
          const record = this.decode(ring, stored);
          // A digest collision is out of reach; a mismatch means the row was not written by us.
          if (record[field] !== key.value)
            throw new BackendFailure('CORRUPT', `token ${describeId(stored.id)} does not hold the value its digest stands for`);
          return record;
        }
        if (!this.allowPlaintext) return null;
        // Migration: a record not yet encrypted holds the value itself. Only a plain record may
        // answer, or a caller who read a digest in the database could look a token up by it.
        return andThen(this.inner.findByKey(key), (plain) => (plain && !isEncryptedRecord(plain) ? this.decode(ring, plain) : null));
      });
    });
  }

  insert(record: StoredToken): Awaitable<InsertResult> {
    return this.#withRing((ring) => {
      const stored = encodeRecord(ring, this.namespace, record, undefined, this.#cache);
      if (!this.allowPlaintext) return this.inner.insert(stored);
      return this.#heldByPlain(record).then((held) => (held ? 'duplicate' : this.inner.insert(stored)));
    });
  }

  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Awaitable<UpdateResult> {
    return this.#withRing((ring) => {
      const { stored, previousStored } = this.encodeUpdate(ring, record, previous);
      if (!this.allowPlaintext) return this.inner.update(stored, expectedVersion, previousStored);
      return this.#heldByPlain(record).then((held) => (held ? 'duplicate' : this.inner.update(stored, expectedVersion, previousStored)));
    });
  }

  delete(id: string): Awaitable<void> {
    return this.inner.delete(id);
  }

  list(): Awaitable<StoredToken[]> {
    return this.#withRing((ring) => andThen(this.inner.list(), (records) => records.map((stored) => this.decode(ring, stored))));
  }

  clear(): Awaitable<void> {
    return this.inner.clear();
  }

  close(): Awaitable<void> {
    return this.inner.close();
  }

  /** The keys, once the provider (if any) has answered. */
  keyring(): Keyring | Promise<Keyring> {
    return this.#ring ?? this.#load();
  }

  /** `true` if the stored record is already encrypted with the current key. */
  isCurrent(ring: Keyring, stored: StoredToken): boolean {
    return keyIdOf(stored) === ring.current.id;
  }

  /** The caller's record from a stored one; throws `CORRUPT` / `KEY_UNAVAILABLE` and returns nothing partial. */
  decode(ring: Keyring, stored: StoredToken): StoredToken {
    if (!isEncryptedRecord(stored)) {
      if (!this.allowPlaintext) {
        throw new BackendFailure(
          'CORRUPT',
          `token ${describeId(stored.id)} is stored unencrypted in an encrypted store (open it with encryption.allowPlaintext to migrate)`,
        );
      }
      if (DIGEST_FIELDS.some((field) => stored[field]?.startsWith('§tokens-'))) {
        throw new BackendFailure('CORRUPT', `token ${describeId(stored.id)} holds digests but no encryption envelope`);
      }
      this.#stored.set(stored, stored);
      return stored;
    }
    const decoded = decodeRecord(ring, this.namespace, stored, this.#cache);
    if (decoded instanceof DecodeProblem) throw new BackendFailure(decoded.code, decoded.reason);
    this.#stored.set(decoded, stored);
    return decoded;
  }

  /** The stored form of an update, reusing the digests of values that did not change. */
  encodeUpdate(ring: Keyring, record: StoredToken, previous: StoredToken): { stored: StoredToken; previousStored: StoredToken } {
    const previousStored = this.#stored.get(previous) ?? encodeRecord(ring, this.namespace, previous);
    const digests: Partial<Record<DigestField, string | null>> = {};
    if (isEncryptedRecord(previousStored)) {
      for (const field of DIGEST_FIELDS) if (record[field] === previous[field]) digests[field] = previousStored[field];
    }
    return { stored: encodeRecord(ring, this.namespace, record, digests, this.#cache), previousStored };
  }

  /**
   * Migration mode: the index cannot see that a plain record (its plain value) and an encrypted one
   * (its digest) hold the same token, so each token value is looked up in plain before a write.
   * This is a check, not a constraint (two racing writers could both pass it); it ends with the migration.
   */
  async #heldByPlain(record: StoredToken): Promise<boolean> {
    for (const [kind, field] of [
      ['access', 'accessToken'],
      ['refresh', 'refreshToken'],
      ['grant', 'grantToken'],
    ] as const) {
      const value = record[field];
      if (!value) continue;
      const holder = await this.inner.findByKey({ kind, value });
      if (holder && holder.id !== record.id && !isEncryptedRecord(holder)) return true;
    }
    return false;
  }

  #withRing<T>(run: (ring: Keyring) => T | Promise<T>): T | Promise<T> {
    return this.#ring ? run(this.#ring) : this.#load().then(run);
  }

  #load(): Promise<Keyring> {
    this.#loading ??= (async () => {
      let keys: unknown;
      try {
        keys = await (this.#provider as () => unknown)();
      } catch (error) {
        throw new BackendFailure('KEY_UNAVAILABLE', 'the encryption keyProvider failed', error);
      }
      const ring = buildKeyring(keys as Parameters<typeof buildKeyring>[0]);
      if (typeof ring === 'string')
        throw new BackendFailure('KEY_UNAVAILABLE', `the encryption keyProvider returned unusable keys: ${ring}`);
      this.#ring = ring;
      return ring;
    })();
    // A failed attempt is not remembered: the next operation asks the provider again.
    this.#loading.catch(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }
}
