import { randomBytes } from 'node:crypto';
import type { InsertResult, LookupKey, StoredToken, TokenBackend, UpdateResult } from '../src/index.js';
import { uniqueKeysOf } from '../src/index.js';

/** Namespaces → records: a shared "database" whose rows tests can read and edit behind the store's back. */
export type MapDatabase = Map<string, Map<string, StoredToken>>;

/** A minimal, honest backend primitive: uniqueness checked on every write, copies in and out. */
export class MapBackend implements TokenBackend {
  readonly backend = 'map';
  constructor(
    readonly database: MapDatabase,
    readonly namespace: string,
  ) {}

  get rows(): Map<string, StoredToken> {
    let rows = this.database.get(this.namespace);
    if (!rows) {
      rows = new Map();
      this.database.set(this.namespace, rows);
    }
    return rows;
  }

  getById(id: string): StoredToken | null {
    const row = this.rows.get(id);
    return row ? { ...row } : null;
  }

  findByKey(key: LookupKey): StoredToken | null {
    for (const row of this.rows.values()) if (uniqueKeysOf(row)[key.kind] === key.value) return { ...row };
    return null;
  }

  insert(record: StoredToken): InsertResult {
    if (this.rows.has(record.id) || this.#collides(record)) return 'duplicate';
    this.rows.set(record.id, { ...record });
    return 'inserted';
  }

  async update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    // Asynchronous on purpose: the wrapper must work on promise-returning backends too.
    await Promise.resolve();
    if (this.rows.get(record.id)?.version !== expectedVersion) return 'stale';
    if (this.#collides(record)) return 'duplicate';
    this.rows.set(record.id, { ...record });
    return 'updated';
  }

  delete(id: string): void {
    this.rows.delete(id);
  }

  list(): StoredToken[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  clear(): void {
    this.rows.clear();
  }

  close(): void {}

  #collides(record: StoredToken): boolean {
    const keys = uniqueKeysOf(record);
    for (const row of this.rows.values()) {
      if (row.id === record.id) continue;
      const other = uniqueKeysOf(row);
      for (const kind of ['user', 'access', 'refresh', 'grant'] as const)
        if (keys[kind] !== null && keys[kind] === other[kind]) return true;
    }
    return false;
  }
}

export const key = () => randomBytes(32);

export function testKeys() {
  return { k1: key(), k2: key(), index: key() };
}
