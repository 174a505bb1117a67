import type { InsertResult, LookupKey, SaveOutcome, SavePlan, StoredToken, TokenBackend, UpdateResult } from '@tokens/core';
import { applySavePlanWith, checkNamespace, hashKey, type LookupKind, uniqueKeysOf } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { describeSqliteError, isUniqueViolation } from './errors.js';
import { PatchStatements } from './patch.js';
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
  readonly #saveTransaction: { immediate(plan: SavePlan): SaveOutcome };
  readonly #insertTransaction: { immediate(records: readonly StoredToken[]): InsertResult[] };
  readonly #patches: PatchStatements;

  /** Creates or migrates the namespace's table; throws if the database cannot be used. */
  constructor(database: SqliteDatabase, options: SqliteBackendOptions = {}) {
    this.namespace = checkNamespace(options.namespace, 'sqlite');
    // The driver's own type inside; see database.ts for why the public type is structural.
    const db = database as unknown as BetterSqlite3.Database;
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    ensureSchema(db, this.namespace);
    this.#statements = prepareStatements(db, this.namespace);
    // IMMEDIATE takes the write lock before the read, so no other process can change the row in
    // between, and a busy database waits (busy timeout) instead of failing the upgrade to a write.
    this.#patches = new PatchStatements(db, this.namespace);
    this.#saveTransaction = db.transaction((plan: SavePlan) => applySavePlanWith(plan, this)) as never;
    // A batch is one IMMEDIATE transaction (one write lock, one commit) of the insert statement.
    // A unique violation fails only its own statement (SQLite's default ON CONFLICT ABORT undoes
    // that statement and keeps the transaction open), so `insert` catching it per record is enough.
    this.#insertTransaction = db.transaction((records: readonly StoredToken[]) => records.map((record) => this.insert(record))) as never;
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

  /** The whole batch in one transaction: one commit; any other error rolls back the whole batch. */
  insertMany(records: readonly StoredToken[]): InsertResult[] {
    return this.#insertTransaction.immediate(records);
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

  /**
   * A refresh of a stored token is one UPDATE ... RETURNING; anything else (a first save, a no-op,
   * a stale version) is the read and the write in one IMMEDIATE transaction. Both are atomic
   * across processes, and neither is ever retried.
   */
  save(plan: SavePlan): SaveOutcome {
    let patched: StoredToken | undefined;
    try {
      patched = this.#patches.run(plan);
    } catch (error) {
      if (isUniqueViolation(error)) return { status: 'duplicate', inserting: false };
      throw error;
    }
    if (patched) return { status: 'updated', record: toRecord(patched) };
    return this.#saveTransaction.immediate(plan);
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
