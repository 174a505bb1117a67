import {
  type AsyncPrimitive,
  BackendFailure,
  hashKey,
  type InsertResult,
  type LookupKey,
  type LookupKind,
  readThenWrite,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
} from '@tokens/core';
import type { Collection, ModifyResult, MongoClient } from 'mongodb';
import { type ClaimDocument, Claims } from './claims.js';
import { fromDocument, KEY_FIELDS, type TokenDocument, toDocument } from './document.js';
import { describeMongoError, isDuplicateKeyError, isNetworkError } from './errors.js';

import { saveStatement } from './save-statement.js';

export interface MongoBackendOptions {
  namespace: string;
  collection: Collection<TokenDocument>;
  /** Bound on every operation, server selection included (ms). */
  operationTimeoutMs: number;
  /** The client to close with the backend: only one the store created itself. */
  ownedClient?: MongoClient;
  /**
   * Where update claims go when the server is FerretDB (see claims.ts); by default the sibling
   * collection `<namespace>.cas`. Namespaces cannot contain a dot, so it never collides.
   */
  claimCollection?: Collection<ClaimDocument>;
  /**
   * Tests only: take the server for MongoDB (atomic single-document updates, no claims) even when
   * it is FerretDB, so the one-statement save can be checked on the FerretDB the tests run on.
   * Not safe under concurrent writers on FerretDB.
   */
  assumeAtomicUpdates?: boolean;
}

/**
 * Numbers come back as numbers whatever the caller's client was configured with, so a shared
 * client with `useBigInt64` or `promoteValues: false` cannot change what the store returns.
 */
const READ_OPTIONS = { promoteValues: true, promoteLongs: true, useBigInt64: false, raw: false } as const;

/**
 * Every rule lives in the storage: `_id` and the four unique + sparse indexes on `k.*` make
 * insert and update fail with E11000 on a taken key, and the `version` in an update's filter
 * makes it a compare-and-set (on FerretDB together with a claim, see claims.ts). No
 * transactions, so FerretDB 1.x works as well as MongoDB.
 */
export class MongoBackend implements TokenBackend {
  readonly backend = 'mongo';
  readonly namespace: string;
  readonly #collection: Collection<TokenDocument>;
  readonly #timeoutMs: number;
  readonly #ownedClient: MongoClient | undefined;
  readonly #claimCollection: Collection<ClaimDocument>;
  readonly #assumeAtomic: boolean;
  #ready: Promise<Claims | null> | undefined;

  constructor(options: MongoBackendOptions) {
    this.namespace = options.namespace;
    this.#collection = options.collection;
    this.#timeoutMs = options.operationTimeoutMs;
    this.#ownedClient = options.ownedClient;
    this.#claimCollection =
      options.claimCollection ?? options.collection.db.collection<ClaimDocument>(`${options.collection.collectionName}.cas`);
    this.#assumeAtomic = options.assumeAtomicUpdates === true;
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run(() => this.#getById(id));
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run(() => this.#findByKey(key));
  }

  insert(record: StoredToken): Promise<InsertResult> {
    return this.#run(() => this.#insert(record));
  }

  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Promise<UpdateResult> {
    return this.#run((claims) => this.#update(record, expectedVersion, previous, claims));
  }

  /**
   * MongoDB: one `findOneAndUpdate` (see save-statement.ts) for a refresh, a first save and a
   * versioned save; a save that changes nothing, or meets a taken key, takes a second round trip.
   * FerretDB: its updates are not atomic, so an update still takes the claim (read, claim, write,
   * release); a first save is one indexed insert instead of a lookup that scans the collection.
   */
  save(plan: SavePlan): Promise<SaveOutcome> {
    return this.#run((claims) => (claims ? this.#saveWithClaims(plan, claims) : this.#saveInOneStatement(plan)));
  }

  async delete(id: string): Promise<void> {
    await this.#run(async (claims) => {
      await this.#collection.deleteOne({ _id: id }, { maxTimeMS: this.#timeoutMs });
      // A claim left by a writer that died holds the token's secrets: it goes with the token.
      await claims?.forget(id);
    });
  }

  async list(): Promise<StoredToken[]> {
    const documents = await this.#run(() => this.#collection.find({}, this.#readOptions()).toArray());
    return documents.map(fromDocument);
  }

  async clear(): Promise<void> {
    await this.#run(async (claims) => {
      await this.#collection.deleteMany({}, { maxTimeMS: this.#timeoutMs });
      await claims?.clear();
    });
  }

  async close(): Promise<void> {
    await this.#ownedClient?.close();
  }

  describeError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } | undefined {
    return describeMongoError(error);
  }

  async #saveInOneStatement(plan: SavePlan): Promise<SaveOutcome> {
    if (plan.id === undefined && plan.key === null) return this.#insertPlanned(plan);
    // With an id, the target is that record only if it is stored: no upsert, the fallback decides.
    const upsert = plan.id === undefined && plan.insert !== null;
    const { filter, update } = saveStatement(plan, upsert);
    let result: ModifyResult<TokenDocument>;
    try {
      result = await this.#collection.findOneAndUpdate(filter, update, {
        ...this.#readOptions(),
        upsert,
        returnDocument: 'after',
        includeResultMetadata: true,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Without an upsert only the update can break a key; with one, the read tells which did.
      if (!upsert) return { status: 'duplicate', inserting: false };
      return readThenWrite(plan, this.#primitive(null));
    }
    if (result.value) {
      return { status: result.lastErrorObject?.updatedExisting === false ? 'inserted' : 'updated', record: fromDocument(result.value) };
    }
    // The filter left the target out (unchanged, sealed, stale) or there is none: read and decide.
    return readThenWrite(plan, this.#primitive(null));
  }

  /**
   * FerretDB looks up `k.*` by scanning the whole collection (only a filter on `_id` alone reaches
   * SQLite's index), so a first save would scan everything to find nothing. The unique indexes,
   * checked by SQLite on the insert itself, answer the same question: an insert that collides
   * wrote nothing, and the save goes on as read + claim + write.
   */
  async #saveWithClaims(plan: SavePlan, claims: Claims): Promise<SaveOutcome> {
    if (plan.id === undefined && plan.key === null) return this.#insertPlanned(plan);
    if (plan.insert && (await this.#insert(plan.insert)) === 'inserted') return { status: 'inserted', record: plan.insert };
    return readThenWrite(plan, this.#primitive(claims));
  }

  /** No id and no lookup key: nothing can be the target, so the save is an insert. */
  async #insertPlanned(plan: SavePlan): Promise<SaveOutcome> {
    if (!plan.insert) return { status: 'missing' };
    return (await this.#insert(plan.insert)) === 'inserted'
      ? { status: 'inserted', record: plan.insert }
      : { status: 'duplicate', inserting: true };
  }

  #primitive(claims: Claims | null): AsyncPrimitive {
    return {
      getById: (id) => this.#getById(id),
      findByKey: (key) => this.#findByKey(key),
      insert: (record) => this.#insert(record),
      update: (record, expectedVersion, previous) => this.#update(record, expectedVersion, previous, claims),
    };
  }

  async #getById(id: string): Promise<StoredToken | null> {
    const document = await this.#collection.findOne({ _id: id }, this.#readOptions());
    return document && fromDocument(document);
  }

  async #findByKey(key: LookupKey): Promise<StoredToken | null> {
    const field = KEY_FIELDS[key.kind];
    // The value is hashed before it reaches the filter, so it can never act as an operator.
    const document = await this.#collection.findOne({ [field]: hashKey(key.value) }, this.#readOptions());
    return document && fromDocument(document);
  }

  async #insert(record: StoredToken): Promise<InsertResult> {
    try {
      await this.#collection.insertOne(toDocument(record), { maxTimeMS: this.#timeoutMs });
      return 'inserted';
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    }
  }

  async #update(record: StoredToken, expectedVersion: number, previous: StoredToken, claims: Claims | null): Promise<UpdateResult> {
    const next = toDocument(record);
    const { _id, ...replacement } = next;
    const claim = claims ? await claims.acquire(next, expectedVersion, previous) : null;
    if (claim === 'stale') return 'stale';
    let updated = false;
    try {
      const result = await this.#collection.replaceOne({ _id, version: expectedVersion }, replacement, { maxTimeMS: this.#timeoutMs });
      updated = result.matchedCount > 0;
      return updated ? 'updated' : 'stale';
    } catch (error) {
      if (isDuplicateKeyError(error)) return 'duplicate';
      throw error;
    } finally {
      if (claim) await claims?.release(_id, expectedVersion, claim.owner, updated);
    }
  }

  #readOptions() {
    return { ...READ_OPTIONS, maxTimeMS: this.#timeoutMs };
  }

  /**
   * Prepares once per backend (indexes, and whether the server needs claims; a failure is retried
   * by the next operation), then runs the operation under a deadline: a user's own client may
   * wait 30 s for server selection, and writes take no abort signal, so the deadline is ours.
   */
  async #run<T>(operation: (claims: Claims | null) => Promise<T>): Promise<T> {
    return withDeadline(async () => {
      this.#ready ??= this.#prepare().catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
      return operation(await this.#ready);
    }, this.#timeoutMs);
  }

  async #prepare(): Promise<Claims | null> {
    await this.#createIndexes();
    const info = await this.#collection.db.command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string' && !this.#assumeAtomic
      ? new Claims(this.#claimCollection, this.#collection, this.#timeoutMs)
      : null;
  }

  async #createIndexes(): Promise<void> {
    const specs = (Object.entries(KEY_FIELDS) as [LookupKind, string][]).map(([kind, field]) => ({
      key: { [field]: 1 },
      name: `tokens_${kind}_unique`,
      unique: true,
      // MongoDB needs sparse to skip documents without the field; FerretDB 1.x ignores it and
      // skips them anyway. partialFilterExpression would also do on MongoDB, but FerretDB rejects it.
      sparse: true,
    }));
    // One index per request: FerretDB 1.24 panics and drops the connection on a createIndexes
    // naming two or more indexes that all exist already (every store opened after the first).
    for (const spec of specs) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#collection.createIndexes([spec], { maxTimeMS: this.#timeoutMs });
          break;
        } catch (error) {
          // FerretDB 1.24 may also drop the connection when two clients create one collection
          // at once (several instances starting together); the idempotent request then succeeds.
          if (attempt >= 3 || !isNetworkError(error)) throw error;
        }
      }
    }
  }
}

async function withDeadline<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BackendFailure('UNAVAILABLE', `no answer from the server within ${timeoutMs} ms (operationTimeoutMs)`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
