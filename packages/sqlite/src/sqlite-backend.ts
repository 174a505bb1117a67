import type { InsertResult, LookupKey, StoredToken, TokenBackend, UpdateResult } from '@tokens/core';
import { checkNamespace, hashKey, type LookupKind, uniqueKeysOf } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { describeSqliteError, isUniqueViolation } from './errors.js';
import { ensureSchema, KINDS } from './schema.js';
import { prepareStatements, recordParams, type Statements, toRecord, updateParams } from './statements.js';

export interface SqliteBackendOptions {
  /** Table name (default `tokens`). */
  namespace?: string;
  /** Close the Database when the backend is closed: only for a Database the caller hands over. */
  closeDatabase?: boolean;
}

/**
 * better-sqlite3 is synchronous, so each method runs to completion within one turn; across
 * processes, SQLite's write lock makes every statement atomic, and the unique indexes and the
 * `version = ?` condition do the rest.
 */
export class SqliteBackend implements TokenBackend {
  readonly backend = 'sqlite';
  readonly namespace: string;
  readonly #db: BetterSqlite3.Database;
  readonly #statements: Statements;
  readonly #closeDatabase: boolean;

  /** Creates or migrates the namespace's table; throws if the database cannot be used. */
  constructor(database: SqliteDatabase, options: SqliteBackendOptions = {}) {
    this.namespace = checkNamespace(options.namespace, 'sqlite');
    // The driver's own type inside; see database.ts for why the public type is structural.
    const db = database as unknown as BetterSqlite3.Database;
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    ensureSchema(db, this.namespace);
    this.#statements = prepareStatements(db, this.namespace);
  }

  getById(id: string): StoredToken | null {
    const row = this.#statements.getById.get(id);
    return row === undefined ? null : toRecord(row);
  }

  findByKey(key: LookupKey): StoredToken | null {
    const row = this.#statements.findBy[key.kind].get(hashKey(key.value));
    return row === undefined ? null : toRecord(row);
  }

  insert(record: StoredToken): InsertResult {
    try {
      this.#statements.insert.run(recordParams(record));
      return 'inserted';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  update(record: StoredToken, expectedVersion: number, previous?: StoredToken): UpdateResult {
    const changed = previous ? changedKeys(record, previous) : KINDS;
    try {
      const { changes } = this.#statements.update(changed).run({ ...updateParams(record, changed), expectedVersion });
      return changes === 0 ? 'stale' : 'updated';
    } catch (error) {
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  delete(id: string): void {
    this.#statements.delete.run(id);
  }

  list(): StoredToken[] {
    return this.#statements.list.all().map(toRecord);
  }

  clear(): void {
    this.#statements.clear.run();
  }

  close(): void {
    if (this.#closeDatabase && this.#db.open) this.#db.close();
  }

  describeError(error: unknown) {
    return describeSqliteError(error);
  }
}

function changedKeys(record: StoredToken, previous: StoredToken): LookupKind[] {
  const next = uniqueKeysOf(record);
  const before = uniqueKeysOf(previous);
  return KINDS.filter((kind) => next[kind] !== before[kind]);
}
