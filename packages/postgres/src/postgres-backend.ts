import { inspect } from 'node:util';
import type { InsertResult, LookupKey, SaveOutcome, SavePlan, StoredToken, TokenBackend, UpdateResult } from '@tokens/core';
import { applySavePlan, BackendFailure, hashKey, LOOKUP_FIELD } from '@tokens/core';
import { describePostgresError, sqlStateOf, toBackendFailure, UNDEFINED_TABLE, UNIQUE_VIOLATION } from './errors.js';
import { type Connections, type Deadline, Executor } from './executor.js';
import { batchParameters, insertManyStatement, insertResults } from './insert-many.js';
import { fromRow, writeValues } from './rows.js';
import { CURRENT, fitsOneStatement, isUpsert, SaveStatements, WRITTEN } from './save-statement.js';
import { setUpSchema } from './setup.js';
import { type Statement, type Statements, statementsFor } from './statements.js';

export interface PostgresBackendOptions {
  /** The PostgreSQL schema holding the tables. */
  schema: string;
  namespace: string;
  operationTimeoutMs: number;
  /** Whether close() ends the pool: only for a pool the store created. */
  ownsPool: boolean;
}

/**
 * Every call is one autocommit prepared statement: the unique indexes make insert and update
 * atomic without transactions, and a lookup is one round trip.
 */
export class PostgresBackend implements TokenBackend {
  readonly backend = 'postgres';
  readonly namespace: string;
  readonly schema: string;
  readonly #connections: Connections;
  readonly #ownsPool: boolean;
  readonly #executor: Executor;
  readonly #statements: Statements;
  readonly #saves: SaveStatements;
  readonly #insertMany: Statement;
  #schemaReady: Promise<void> | undefined;
  #schemaSetUp = false;

  constructor(connections: Connections, options: PostgresBackendOptions) {
    this.namespace = options.namespace;
    this.schema = options.schema;
    this.#connections = connections;
    this.#ownsPool = options.ownsPool;
    this.#executor = new Executor(connections, options.operationTimeoutMs);
    this.#statements = statementsFor(options.schema, options.namespace);
    this.#saves = new SaveStatements(options.schema, options.namespace);
    this.#insertMany = insertManyStatement(options.schema, options.namespace);
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run(async (deadline) => {
      const { rows } = await this.#executor.execute(deadline, this.#statements.getById, [Buffer.from(id, 'utf8')], true);
      return rows[0] ? fromRow(rows[0]) : null;
    });
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run(async (deadline) => {
      const { rows } = await this.#executor.execute(deadline, this.#statements.findByKey[key.kind], [hashKey(key.value)], true);
      const record = rows[0] ? fromRow(rows[0]) : null;
      // The hash narrowed it down; the value itself decides (no trust in the absence of collisions).
      return record && record[LOOKUP_FIELD[key.kind]] === key.value ? record : null;
    });
  }

  insert(record: StoredToken): Promise<InsertResult> {
    return this.#run(async (deadline) => {
      const result = await this.#executor.execute(deadline, this.#statements.insert, writeValues(record), false);
      return result.rowCount === 1 ? 'inserted' : 'duplicate';
    });
  }

  /**
   * The batch is one autocommit statement (see insert-many.ts): one round trip, one commit, and
   * all or nothing. Not retried on a broken connection: rows that landed would come back as duplicates.
   */
  insertMany(records: readonly StoredToken[]): Promise<InsertResult[]> {
    if (records.length === 0) return Promise.resolve([]);
    return this.#run(async (deadline) => {
      const { rows } = await this.#executor.execute(deadline, this.#insertMany, batchParameters(records), false);
      return insertResults(records, rows);
    });
  }

  update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    return this.#run(async (deadline) => {
      const [, ...values] = writeValues(record);
      try {
        const result = await this.#executor.execute(
          deadline,
          this.#statements.update,
          [...values, Buffer.from(record.id, 'utf8'), expectedVersion],
          false,
        );
        return result.rowCount === 1 ? 'updated' : 'stale';
      } catch (error) {
        if (sqlStateOf(error) === UNIQUE_VIOLATION) return 'duplicate';
        throw error;
      }
    });
  }

  /** One statement (see save-statement.ts); a plan it cannot express is applied as a read, then a write. */
  save(plan: SavePlan): Promise<SaveOutcome> {
    if (!fitsOneStatement(plan)) return this.#saveInTwoSteps(plan);
    const { statement, values } = this.#saves.prepare(plan);
    return this.#run(async (deadline) => {
      let rows: (string | null)[][];
      try {
        ({ rows } = await this.#executor.execute(deadline, statement, values, false));
      } catch (error) {
        // Another record holds a unique key of the result: the statement, and so the save, wrote
        // nothing. An upsert cannot tell whether it was inserting: say so, and core asks once more.
        if (sqlStateOf(error) === UNIQUE_VIOLATION) return { status: 'duplicate', inserting: isUpsert(plan) };
        throw error;
      }
      const row = rows[0];
      if (!row) return plan.insert ? { status: 'duplicate', inserting: true } : { status: 'missing' };
      const from = row[row.length - 1];
      if (from === WRITTEN) {
        const record = fromRow(row);
        // A new record is at version 1; an update is at a stored version + 1 (versions start at 1).
        return { status: record.version === 1 && plan.insert ? 'inserted' : 'updated', record };
      }
      if (from !== CURRENT) throw new BackendFailure('UNAVAILABLE', 'the save statement gave an answer this package does not know');
      // Not written: core's rules on the snapshot's target say why (sealed, stale, unchanged). If
      // they would write, the row changed between the snapshot and the write: nothing written, run again.
      const planned = applySavePlan(plan, fromRow(row));
      return planned.write === 'none' ? planned.outcome : { status: 'retry' };
    });
  }

  async #saveInTwoSteps(plan: SavePlan): Promise<SaveOutcome> {
    const target = (plan.id === undefined ? null : await this.getById(plan.id)) ?? (plan.key ? await this.findByKey(plan.key) : null);
    const planned = applySavePlan(plan, target);
    if (planned.write === 'none') return planned.outcome;
    if (planned.write === 'insert') {
      return (await this.insert(planned.record)) === 'inserted'
        ? { status: 'inserted', record: planned.record }
        : { status: 'duplicate', inserting: true };
    }
    const result = await this.update(planned.record, planned.previous.version);
    if (result === 'updated') return { status: 'updated', record: planned.record };
    return result === 'duplicate' ? { status: 'duplicate', inserting: false } : { status: 'retry' };
  }

  delete(id: string): Promise<void> {
    return this.#run(async (deadline) => {
      await this.#executor.execute(deadline, this.#statements.delete, [Buffer.from(id, 'utf8')], true);
    });
  }

  list(): Promise<StoredToken[]> {
    return this.#run(async (deadline) => {
      const { rows } = await this.#executor.execute(deadline, this.#statements.list, [], true);
      return rows.map(fromRow);
    });
  }

  clear(): Promise<void> {
    return this.#run(async (deadline) => {
      await this.#executor.execute(deadline, this.#statements.clear, [], true);
    });
  }

  async close(): Promise<void> {
    const connections = this.#connections;
    if (!this.#ownsPool || connections.kind !== 'pool') return;
    // end() says goodbye on each connection; a hung server must not hang close().
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#executor.operationTimeoutMs);
    });
    try {
      await Promise.race([connections.pool.end().catch(() => {}), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  describeError(error: unknown): { code: 'UNAVAILABLE'; reason: string } {
    return describePostgresError(error);
  }

  [inspect.custom](): string {
    return `PostgresBackend { schema: '${this.schema}', namespace: '${this.namespace}' }`;
  }

  /**
   * Runs a call under one deadline, setting up the tables first; a table dropped meanwhile is
   * recreated. Driver errors leave as BackendFailures whose cause is a sanitised copy.
   */
  #run<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    return this.#executor.within(async (deadline) => {
      try {
        // Once set up, no extra await on the hot path.
        if (!this.#schemaSetUp) await this.#ensureSchema(deadline);
        return await work(deadline);
      } catch (error) {
        if (sqlStateOf(error) !== UNDEFINED_TABLE) throw toBackendFailure(error);
        this.#schemaSetUp = false;
        this.#schemaReady = undefined;
        try {
          await this.#ensureSchema(deadline);
          return await work(deadline);
        } catch (again) {
          throw toBackendFailure(again);
        }
      }
    });
  }

  #ensureSchema(deadline: Deadline): Promise<void> {
    this.#schemaReady ??= setUpSchema(this.#executor, this.schema, this.namespace, deadline).then(
      () => {
        this.#schemaSetUp = true;
      },
      (error: unknown) => {
        this.#schemaReady = undefined;
        throw error;
      },
    );
    return this.#schemaReady;
  }
}
