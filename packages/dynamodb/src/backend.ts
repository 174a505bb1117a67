import { type DynamoDBClient, type TransactWriteItem, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type AsyncPrimitive,
  BackendFailure,
  type InsertResult,
  type LookupKey,
  type LookupKind,
  readThenWrite,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
  uniqueKeysOf,
  writeToTarget,
} from '@tokens/core';
import { Calls } from './calls.js';
import { describeFailure, errorName } from './errors.js';
import { insertInTransactions } from './insert-many.js';
import { decodeToken, encodeToken, holderIdOf, type Item, ItemKeys, TOKEN_PREFIX } from './items.js';

import { ensureTable } from './table.js';
import { updateInPlace, worthUpdatingInPlace } from './update-in-place.js';

export interface DynamoDbBackendOptions {
  client: DynamoDBClient;
  /** Destroyed by close(): only a client the store created itself. */
  ownsClient: boolean;
  table: string;
  /** Describe the table once, create it if missing and wait until it is ACTIVE. */
  createTable: boolean;
  namespace: string;
  operationTimeoutMs: number;
  maxThrottleAttempts: number;
}

const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];
/** Tokens per deleteTokens transaction: a token and its up to 4 keys are 5 of the 100 items allowed. */
const CLEAR_BATCH = 20;
const MAX_DELETE_ATTEMPTS = 20;
const NOT_HELD = 'attribute_not_exists(pk) OR id = :id';

/** One change to a unique-key item inside a save's transaction. */
interface KeyChange {
  kind: LookupKind;
  value: string;
  claim: boolean;
}

interface NewToken {
  token: TransactWriteItem;
  changes: KeyChange[];
}

/**
 * One item per token and one per unique key, all in the namespace's partition (see items.ts).
 * Every write is one TransactWriteItems: the token item under a condition on its version (or
 * its absence) together with the key items it claims (absent, or already its own) and the ones
 * it drops, so uniqueness holds atomically across processes and nothing is half-written.
 */
export class DynamoDbBackend implements TokenBackend {
  readonly backend = 'dynamodb';
  readonly namespace: string;
  readonly #options: DynamoDbBackendOptions;
  readonly #keys: ItemKeys;
  #ready: Promise<void> | undefined;

  constructor(options: DynamoDbBackendOptions) {
    this.namespace = options.namespace;
    this.#options = options;
    this.#keys = new ItemKeys(options.namespace);
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run((calls) => this.#read(calls, id));
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run((calls) => this.#find(calls, key));
  }

  insert(record: StoredToken): Promise<InsertResult> {
    const item = encodeToken(this.#keys, record);
    return this.#run((calls) => this.#insert(calls, record, item));
  }

  /**
   * The single insert's transactions (token item and key claims), packed: about 20-25 new tokens
   * per TransactWriteItems (see insert-many.ts). Every record is encoded first, so one over the
   * item limit refuses the call before anything is written.
   */
  insertMany(records: readonly StoredToken[]): Promise<InsertResult[]> {
    const items = records.map((record) => encodeToken(this.#keys, record));
    const actions = records.map((record, index) => {
      const { token, changes } = this.#newToken(record, items[index] as Item);
      return [token, ...changes.map((change) => this.#keyItem(record.id, change))];
    });
    return this.#run((calls) =>
      insertInTransactions(calls, actions, (index) => this.#insert(calls, records[index] as StoredToken, items[index] as Item)),
    );
  }

  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Promise<UpdateResult> {
    const item = encodeToken(this.#keys, record);
    return this.#run((calls) => this.#update(calls, record, item, expectedVersion, previous));
  }

  /**
   * A save that moves no key item is one UpdateItem on the token item (found by the plan's id, or
   * by its key item: one GetItem first); its condition says whether the plan applied, and when it
   * did not, the item as stored comes back with the refusal, so core's rules finish the save from
   * it (a transaction when a key item moves). A new token is the lookup and one transaction, as
   * before. See update-in-place.ts for which plans try the UpdateItem.
   */
  save(plan: SavePlan): Promise<SaveOutcome> {
    return this.#run(async (calls) => {
      const primitive = this.#primitive(calls);
      if (!worthUpdatingInPlace(plan)) return readThenWrite(plan, primitive);
      let id = plan.id;
      if (id === undefined) {
        if (!plan.key) return writeToTarget(plan, null, primitive);
        const holder = await this.#holderOf(calls, plan.key.kind, plan.key.value);
        if (holder === null) return writeToTarget(plan, null, primitive);
        id = holder;
      }
      const input = updateInPlace(this.#table, this.#keys.token(id), plan);
      if (!input) return readThenWrite(plan, primitive);
      let stored: Item | undefined;
      try {
        const out = await calls.send((o) => calls.client.send(new UpdateItemCommand(input), o));
        if (out.Attributes) return { status: 'updated', record: this.#decode(out.Attributes, id) };
      } catch (error) {
        const name = errorName(error);
        // The merged item would pass 400 KB: the read + write path refuses it with the sizes.
        if (name === 'ValidationException' && /size/i.test(String((error as Error).message))) return readThenWrite(plan, primitive);
        if (name !== 'ConditionalCheckFailedException') throw error;
        // The refusal holds the stored item (secrets included): it is read here, never passed on.
        stored = (error as { Item?: Item }).Item;
      }
      const target = stored ? this.#decode(stored, id) : null;
      // By id, a stored item is the target (rule 1). By key, only if it still holds the key (an
      // orphaned key item names a token that does not); otherwise read as the engine would.
      if (!target || (plan.id === undefined && plan.key && uniqueKeysOf(target)[plan.key.kind] !== plan.key.value)) {
        return readThenWrite(plan, primitive);
      }
      return writeToTarget(plan, target, primitive);
    });
  }

  #primitive(calls: Calls): AsyncPrimitive {
    return {
      getById: (id) => this.#read(calls, id),
      findByKey: (key) => this.#find(calls, key),
      insert: async (record) => this.#insert(calls, record, encodeToken(this.#keys, record)),
      update: async (record, expectedVersion, previous) =>
        this.#update(calls, record, encodeToken(this.#keys, record), expectedVersion, previous),
    };
  }

  async #find(calls: Calls, key: LookupKey): Promise<StoredToken | null> {
    const holder = await this.#holderOf(calls, key.kind, key.value);
    if (holder === null) return null;
    const record = await this.#read(calls, holder);
    // A key item whose token no longer holds the key (left by an interrupted clear, or an
    // edit by hand) is no match.
    return record && uniqueKeysOf(record)[key.kind] === key.value ? record : null;
  }

  async #insert(calls: Calls, record: StoredToken, item: Item): Promise<InsertResult> {
    const { token, changes } = this.#newToken(record, item);
    return (await this.#write(calls, record.id, token, changes)) === 'written' ? 'inserted' : 'duplicate';
  }

  /** A new token's write: its item while the id is free, and a claim of each of its keys. */
  #newToken(record: StoredToken, item: Item): NewToken {
    const keys = uniqueKeysOf(record);
    const changes: KeyChange[] = [];
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value !== null) changes.push({ kind, value, claim: true });
    }
    const token: TransactWriteItem = { Put: { TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
    return { token, changes };
  }

  async #update(calls: Calls, record: StoredToken, item: Item, expectedVersion: number, previous: StoredToken): Promise<UpdateResult> {
    const kept = uniqueKeysOf(record);
    const held = uniqueKeysOf(previous);
    const changes: KeyChange[] = [];
    for (const kind of KINDS) {
      const value = kept[kind];
      const old = held[kind];
      if (value !== null && value !== old) changes.push({ kind, value, claim: true });
      if (old !== null && old !== value) changes.push({ kind, value: old, claim: false });
    }
    const token: TransactWriteItem = {
      Put: {
        TableName: this.#table,
        Item: item,
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': { N: String(expectedVersion) } },
      },
    };
    const outcome = await this.#write(calls, record.id, token, changes);
    return outcome === 'written' ? 'updated' : outcome === 'token' ? 'stale' : 'duplicate';
  }

  delete(id: string): Promise<void> {
    return this.#run((calls) => this.#deleteCurrent(calls, id, null));
  }

  list(): Promise<StoredToken[]> {
    return this.#run(async (calls) => (await calls.query(this.#keys.partition, TOKEN_PREFIX)).map(decodeToken));
  }

  clear(): Promise<void> {
    return this.#run(async (calls) => {
      const records = (await calls.query(this.#keys.partition, TOKEN_PREFIX)).map(decodeToken);
      for (let i = 0; i < records.length; i += CLEAR_BATCH) {
        const batch = records.slice(i, i + CLEAR_BATCH);
        if (await this.#deleteRecords(calls, batch)) continue;
        // A token of the batch changed meanwhile: delete them one by one, each as it is now.
        for (const record of batch) await this.#deleteCurrent(calls, record.id, record);
      }
    });
  }

  /** Deletes the token as it is now (`known`: as probably just read), retrying while it changes. */
  async #deleteCurrent(calls: Calls, id: string, known: StoredToken | null): Promise<void> {
    let record = known ?? (await this.#read(calls, id));
    for (let attempt = 1; record; attempt++) {
      if (await this.#deleteRecords(calls, [record])) return;
      if (attempt >= MAX_DELETE_ATTEMPTS)
        throw new BackendFailure('UNAVAILABLE', `gave up after ${attempt} attempts: concurrent writers kept changing the token`);
      record = await this.#read(calls, id);
    }
  }

  close(): void {
    if (this.#options.ownsClient) this.#options.client.destroy();
  }

  describeError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } | undefined {
    const failure = describeFailure(error);
    return failure.code === 'CORRUPT' || failure.code === 'UNAVAILABLE' ? { code: failure.code, reason: failure.message } : undefined;
  }

  get #table(): string {
    return this.#options.table;
  }

  async #read(calls: Calls, id: string): Promise<StoredToken | null> {
    const item = await calls.get(this.#keys.token(id));
    return item && this.#decode(item, id);
  }

  #decode(item: Item, id: string): StoredToken {
    const record = decodeToken(item);
    if (record.id !== id) throw new BackendFailure('CORRUPT', 'a token item holds another id than its sort key says');
    return record;
  }

  async #holderOf(calls: Calls, kind: LookupKind, value: string): Promise<string | null> {
    const item = await calls.get(this.#keys.key(kind, value), 'id');
    if (!item) return null;
    const id = holderIdOf(item);
    if (id === undefined) throw new BackendFailure('CORRUPT', 'a key item holds no token id');
    return id;
  }

  /**
   * One save's transaction: the token item first, then its key changes. 'token' when the token's
   * own condition failed (taken id, other version), 'key' when another token holds a key. A key
   * item left behind by a token that no longer holds it is removed and the save tried again.
   */
  async #write(calls: Calls, id: string, token: TransactWriteItem, changes: KeyChange[]): Promise<'written' | 'token' | 'key'> {
    let pending = changes;
    for (let attempt = 1; ; attempt++) {
      const items = [token, ...pending.map((change) => this.#keyItem(id, change))];
      const result = await calls.transact(items);
      if (result.written) return 'written';
      if (result.codes[0] === 'ConditionalCheckFailed') return 'token';
      const failed = pending.filter((_, index) => result.codes[index + 1] === 'ConditionalCheckFailed');
      if (attempt >= 3) return 'key';
      for (const change of failed) {
        if (change.claim && !(await this.#removeOrphan(calls, change.kind, change.value))) return 'key';
      }
      // A dropped key that another token holds was not ours to delete: leave it alone.
      pending = pending.filter((change) => change.claim || !failed.includes(change));
    }
  }

  #keyItem(id: string, change: KeyChange): TransactWriteItem {
    const key = this.#keys.key(change.kind, change.value);
    const condition = { ConditionExpression: NOT_HELD, ExpressionAttributeValues: { ':id': { S: id } } };
    return change.claim
      ? { Put: { TableName: this.#table, Item: { ...key, id: { S: id } }, ...condition } }
      : { Delete: { TableName: this.#table, Key: key, ...condition } };
  }

  /**
   * Deletes a key item whose token does not hold that key (or is gone), in one transaction with a
   * check that the token is still as read, so a token that claims the key meanwhile keeps it.
   * True when the key item is gone; false when a token really holds it.
   */
  async #removeOrphan(calls: Calls, kind: LookupKind, value: string): Promise<boolean> {
    const holder = await this.#holderOf(calls, kind, value);
    if (holder === null) return true;
    const record = await this.#read(calls, holder);
    if (record && uniqueKeysOf(record)[kind] === value) return false;
    const check: TransactWriteItem = {
      ConditionCheck: {
        TableName: this.#table,
        Key: this.#keys.token(holder),
        ...(record
          ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': { N: String(record.version) } } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    };
    const remove: TransactWriteItem = {
      Delete: {
        TableName: this.#table,
        Key: this.#keys.key(kind, value),
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': { S: holder } },
      },
    };
    return (await calls.transact([check, remove])).written;
  }

  /**
   * Deletes the records as read (same version) and their key items, all or nothing. False when a
   * record changed meanwhile. A key item another token holds is not ours to delete: left alone.
   */
  async #deleteRecords(calls: Calls, records: StoredToken[]): Promise<boolean> {
    const tokens: TransactWriteItem[] = records.map((record) => ({
      Delete: {
        TableName: this.#table,
        Key: this.#keys.token(record.id),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': { N: String(record.version) } },
      },
    }));
    let keys: Array<{ id: string; change: KeyChange }> = [];
    for (const record of records) {
      const values = uniqueKeysOf(record);
      for (const kind of KINDS) {
        const value = values[kind];
        if (value !== null) keys.push({ id: record.id, change: { kind, value, claim: false } });
      }
    }
    for (let attempt = 1; ; attempt++) {
      const result = await calls.transact([...tokens, ...keys.map(({ id, change }) => this.#keyItem(id, change))]);
      if (result.written) return true;
      if (result.codes.slice(0, tokens.length).includes('ConditionalCheckFailed') || attempt >= 3) return false;
      keys = keys.filter((_, index) => result.codes[tokens.length + index] !== 'ConditionalCheckFailed');
    }
  }

  /**
   * Runs one operation's calls under one deadline (table setup included on first use); when it
   * fires, calls in flight are aborted and the operation fails with UNAVAILABLE.
   */
  async #run<T>(operation: (calls: Calls) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timeoutMs = this.#options.operationTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new BackendFailure('UNAVAILABLE', `no answer from DynamoDB within ${timeoutMs} ms (operationTimeoutMs)`));
      }, timeoutMs);
    });
    const calls = new Calls(this.#options.client, this.#table, this.#options.maxThrottleAttempts, controller.signal);
    const attempt = async () => {
      await this.#setUp(calls);
      try {
        return await operation(calls);
      } catch (error) {
        // The table went away (deleted, or an emulator restarted): create it again, once.
        if (!this.#options.createTable || errorName(error) !== 'ResourceNotFoundException') throw error;
        this.#ready = undefined;
        await this.#setUp(calls);
        return await operation(calls);
      }
    };
    try {
      return await Promise.race([attempt(), deadline]);
    } catch (error) {
      throw describeFailure(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #setUp(calls: Calls): Promise<void> {
    if (!this.#options.createTable) return Promise.resolve();
    this.#ready ??= ensureTable(calls, this.#table).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

export type { Item };
