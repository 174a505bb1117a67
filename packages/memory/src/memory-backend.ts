import type {
  InsertResult,
  LookupKey,
  LookupKind,
  SaveOutcome,
  SavePlan,
  StoredToken,
  TokenBackend,
  UniqueKeys,
  UpdateResult,
} from '@tokens/core';
import { applySavePlanWith, uniqueKeysOf } from '@tokens/core';

/** One namespace's tokens: records by id, plus one index per unique key. */
class NamespaceData {
  readonly byId = new Map<string, StoredToken>();
  readonly byKey: Record<LookupKind, Map<string, string>> = {
    user: new Map(),
    access: new Map(),
    refresh: new Map(),
    grant: new Map(),
  };

  /** True if a key of `keys` belongs to a record other than `ownId`. */
  collides(keys: UniqueKeys, ownId: string): boolean {
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value === null) continue;
      const holder = this.byKey[kind].get(value);
      if (holder !== undefined && holder !== ownId) return true;
    }
    return false;
  }

  put(record: StoredToken): void {
    const previous = this.byId.get(record.id);
    if (previous) this.unindex(previous);
    this.byId.set(record.id, record);
    const keys = uniqueKeysOf(record);
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value !== null) this.byKey[kind].set(value, record.id);
    }
  }

  remove(id: string): void {
    const record = this.byId.get(id);
    if (!record) return;
    this.unindex(record);
    this.byId.delete(id);
  }

  private unindex(record: StoredToken): void {
    const keys = uniqueKeysOf(record);
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value !== null) this.byKey[kind].delete(value);
    }
  }
}

const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];

/**
 * Where memory stores keep their tokens. Stores created on one database share it (several
 * "instances" in one process); each namespace is separate.
 */
export class MemoryDatabase {
  readonly #namespaces = new Map<string, NamespaceData>();

  /** @internal */
  namespaceData(namespace: string): NamespaceData {
    let data = this.#namespaces.get(namespace);
    if (!data) {
      data = new NamespaceData();
      this.#namespaces.set(namespace, data);
    }
    return data;
  }

  /** The records as stored, for tests that check what landed. */
  rawRecords(namespace: string): StoredToken[] {
    return [...(this.#namespaces.get(namespace)?.byId.values() ?? [])];
  }

  toString(): string {
    return `MemoryDatabase(${this.#namespaces.size} namespaces)`;
  }
}

/**
 * Every method is synchronous: a JavaScript turn is atomic, so a check and the write after it
 * cannot interleave with another save, which is all the locking a Map needs.
 */
export class MemoryBackend implements TokenBackend {
  readonly backend = 'memory';
  readonly namespace: string;
  readonly #data: NamespaceData;

  constructor(database: MemoryDatabase, namespace: string) {
    this.namespace = namespace;
    this.#data = database.namespaceData(namespace);
  }

  getById(id: string): StoredToken | null {
    return this.#data.byId.get(id) ?? null;
  }

  findByKey(key: LookupKey): StoredToken | null {
    const id = this.#data.byKey[key.kind].get(key.value);
    return id === undefined ? null : (this.#data.byId.get(id) ?? null);
  }

  insert(record: StoredToken): InsertResult {
    if (this.#data.byId.has(record.id) || this.#data.collides(uniqueKeysOf(record), record.id)) return 'duplicate';
    this.#data.put(record);
    return 'inserted';
  }

  /** One turn for the whole batch, each record checked (against the earlier ones too) as `insert` checks it. */
  insertMany(records: readonly StoredToken[]): InsertResult[] {
    return records.map((record) => this.insert(record));
  }

  update(record: StoredToken, expectedVersion: number): UpdateResult {
    if (this.#data.byId.get(record.id)?.version !== expectedVersion) return 'stale';
    if (this.#data.collides(uniqueKeysOf(record), record.id)) return 'duplicate';
    this.#data.put(record);
    return 'updated';
  }

  /** One turn, so the whole plan is atomic. */
  save(plan: SavePlan): SaveOutcome {
    return applySavePlanWith(plan, this);
  }

  delete(id: string): void {
    this.#data.remove(id);
  }

  list(): StoredToken[] {
    return [...this.#data.byId.values()];
  }

  clear(): void {
    for (const id of [...this.#data.byId.keys()]) this.#data.remove(id);
  }

  close(): void {}
}
