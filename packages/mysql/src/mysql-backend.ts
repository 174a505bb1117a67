import { inspect } from 'node:util';
import type { InsertResult, LookupKey, SaveOutcome, SavePlan, StoredToken, TokenBackend, UpdateResult } from '@tokens/core';
import { applySavePlan, hashKey, LOOKUP_FIELD } from '@tokens/core';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { type BatchStatement, batchStatements } from './batch-insert.js';
import { describeMysqlError, ER_DUP_ENTRY, ER_NO_SUCH_TABLE, ER_SP_DOES_NOT_EXIST, errnoOf, isAccessDenied } from './errors.js';
import { type Deadline, Executor } from './executor.js';
import { type Queries, queriesFor } from './queries.js';
import { fromRow, type TokenRow, writeValues } from './rows.js';
import { callValues, outcomeOf, type SaveRow } from './save.js';
import { type SchemaState, setUpSchema } from './setup.js';

/** Single-row inserts in flight at once when a batch statement met a taken key. */
const FALLBACK_IN_FLIGHT = 8;

export interface MysqlBackendOptions {
  namespace: string;
  operationTimeoutMs: number;
  /** Whether close() ends the pool: only for a pool the store created. */
  ownsPool: boolean;
}

/**
 * Every statement is a single autocommit prepared statement: the unique indexes make insert and
 * update atomic without transactions, which also keeps deadlock windows tiny.
 */
export class MysqlBackend implements TokenBackend {
  readonly backend = 'mysql';
  readonly namespace: string;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #executor: Executor;
  readonly #queries: Queries;
  #schema: Promise<SchemaState> | undefined;

  constructor(pool: Pool, options: MysqlBackendOptions) {
    this.namespace = options.namespace;
    this.#pool = pool;
    this.#ownsPool = options.ownsPool;
    this.#executor = new Executor(pool, options.operationTimeoutMs);
    this.#queries = queriesFor(options.namespace);
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run((deadline) => this.#getById(deadline, id));
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run((deadline) => this.#findByKey(deadline, key));
  }

  insert(record: StoredToken): Promise<InsertResult> {
    return this.#run((deadline) => this.#insert(deadline, record));
  }

  /**
   * One multi-row INSERT per batch (see batch-insert.ts): one round trip, one autocommit. The
   * statement is atomic, so a taken id or key (ER_DUP_ENTRY) leaves nothing of it written: then
   * its records go one by one through `insert`, each answering for itself.
   */
  insertMany(records: readonly StoredToken[]): Promise<InsertResult[]> {
    return this.#run(async (deadline) => {
      const results: InsertResult[] = [];
      for (const statement of batchStatements(this.#queries.insertRows, records)) {
        results.push(...(await this.#insertBatch(deadline, statement)));
      }
      return results;
    });
  }

  update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    return this.#run((deadline) => this.#update(deadline, record, expectedVersion));
  }

  /**
   * One CALL of the namespace's save procedure (see save-procedure.ts): one round trip. Without
   * the procedure (no CREATE ROUTINE or EXECUTE privilege) the same plan is applied by read +
   * write, with core's reference rules (`applySavePlan`) and the conditional update.
   */
  save(plan: SavePlan): Promise<SaveOutcome> {
    const values = callValues(plan);
    return this.#run(async (deadline, schema) => {
      if (values && schema.procedure) {
        try {
          const [rows] = await this.#executor.execute<[SaveRow[], ResultSetHeader]>(deadline, this.#queries.save, values, false);
          return outcomeOf(plan, rows);
        } catch (error) {
          if (!isAccessDenied(error)) throw error;
          // Someone else's procedure this user may not run: read + write from now on.
          schema.procedure = false;
        }
      }
      return this.#saveByReadAndWrite(deadline, plan);
    });
  }

  delete(id: string): Promise<void> {
    return this.#run(async (deadline) => {
      await this.#executor.execute(deadline, this.#queries.delete, [id], true);
    });
  }

  list(): Promise<StoredToken[]> {
    return this.#run(async (deadline) => {
      const rows = await this.#executor.execute<TokenRow[]>(deadline, this.#queries.list, [], true);
      return rows.map(fromRow);
    });
  }

  clear(): Promise<void> {
    return this.#run(async (deadline) => {
      await this.#executor.execute(deadline, this.#queries.clear, [], true);
    });
  }

  async close(): Promise<void> {
    if (!this.#ownsPool) return;
    // end() says goodbye on each connection; a hung server must not hang close().
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#executor.operationTimeoutMs);
    });
    try {
      await Promise.race([this.#pool.end().catch(() => {}), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  describeError(error: unknown): { code: 'UNAVAILABLE'; reason: string } {
    return describeMysqlError(error);
  }

  [inspect.custom](): string {
    return `MysqlBackend { namespace: '${this.namespace}' }`;
  }

  async #getById(deadline: Deadline, id: string): Promise<StoredToken | null> {
    const rows = await this.#executor.execute<TokenRow[]>(deadline, this.#queries.getById, [id], true);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async #findByKey(deadline: Deadline, key: LookupKey): Promise<StoredToken | null> {
    const rows = await this.#executor.execute<TokenRow[]>(deadline, this.#queries.findByKey[key.kind], [hashKey(key.value)], true);
    const record = rows[0] ? fromRow(rows[0]) : null;
    return record && record[LOOKUP_FIELD[key.kind]] === key.value ? record : null;
  }

  async #insert(deadline: Deadline, record: StoredToken): Promise<InsertResult> {
    try {
      await this.#executor.execute<ResultSetHeader>(deadline, this.#queries.insert, writeValues(record), false);
      return 'inserted';
    } catch (error) {
      if (errnoOf(error) === ER_DUP_ENTRY) return 'duplicate';
      throw error;
    }
  }

  async #insertBatch(deadline: Deadline, { records, sql }: BatchStatement): Promise<InsertResult[]> {
    if (sql === undefined) return [await this.#insert(deadline, records[0] as StoredToken)];
    try {
      await this.#executor.query<ResultSetHeader>(deadline, sql, false);
      return records.map(() => 'inserted');
    } catch (error) {
      if (errnoOf(error) !== ER_DUP_ENTRY) throw error;
    }
    const results: InsertResult[] = new Array(records.length);
    let next = 0;
    const lane = async () => {
      while (next < records.length) {
        const at = next++;
        results[at] = await this.#insert(deadline, records[at] as StoredToken);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FALLBACK_IN_FLIGHT, records.length) }, lane));
    return results;
  }

  async #update(deadline: Deadline, record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    const [, ...values] = writeValues(record);
    try {
      const result = await this.#executor.execute<ResultSetHeader>(
        deadline,
        this.#queries.update,
        [...values, record.id, expectedVersion],
        false,
      );
      // Without CLIENT_FOUND_ROWS affectedRows counts changed rows, not matched ones; the version
      // column always changes (expectedVersion + 1), so here changed means matched.
      return result.affectedRows === 1 ? 'updated' : 'stale';
    } catch (error) {
      if (errnoOf(error) === ER_DUP_ENTRY) return 'duplicate';
      throw error;
    }
  }

  /** The fallback of `save`: two round trips, the update conditional on the version read. */
  async #saveByReadAndWrite(deadline: Deadline, plan: SavePlan): Promise<SaveOutcome> {
    const byId = plan.id === undefined ? null : await this.#getById(deadline, plan.id);
    const target = byId ?? (plan.key ? await this.#findByKey(deadline, plan.key) : null);
    const planned = applySavePlan(plan, target);
    if (planned.write === 'none') return planned.outcome;
    if (planned.write === 'insert') {
      const inserted = await this.#insert(deadline, planned.record);
      return inserted === 'inserted' ? { status: 'inserted', record: planned.record } : { status: 'duplicate', inserting: true };
    }
    const result = await this.#update(deadline, planned.record, planned.previous.version);
    if (result === 'updated') return { status: 'updated', record: planned.record };
    return result === 'duplicate' ? { status: 'duplicate', inserting: false } : { status: 'retry' };
  }

  /**
   * Runs a call under one deadline, creating the schema first; a table or procedure dropped
   * meanwhile is recreated.
   */
  #run<T>(work: (deadline: Deadline, schema: SchemaState) => Promise<T>): Promise<T> {
    return this.#executor.within(async (deadline) => {
      const schema = await this.#ensureSchema(deadline);
      try {
        return await work(deadline, schema);
      } catch (error) {
        const errno = errnoOf(error);
        if (errno !== ER_NO_SUCH_TABLE && errno !== ER_SP_DOES_NOT_EXIST) throw error;
        this.#schema = undefined;
        return work(deadline, await this.#ensureSchema(deadline));
      }
    });
  }

  #ensureSchema(deadline: Deadline): Promise<SchemaState> {
    this.#schema ??= setUpSchema(this.#executor, this.namespace, deadline).catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }
}
