import { inspect } from 'node:util';
import type { InsertResult, LookupKey, StoredToken, TokenBackend, UpdateResult } from '@tokens/core';
import { hashKey, LOOKUP_FIELD } from '@tokens/core';
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { describeMysqlError, ER_DUP_ENTRY, ER_NO_SUCH_TABLE, errnoOf } from './errors.js';
import { type Deadline, Executor } from './executor.js';
import { type Queries, queriesFor } from './queries.js';
import { fromRow, type TokenRow, writeValues } from './rows.js';
import { setUpSchema } from './setup.js';

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
  #schema: Promise<void> | undefined;

  constructor(pool: Pool, options: MysqlBackendOptions) {
    this.namespace = options.namespace;
    this.#pool = pool;
    this.#ownsPool = options.ownsPool;
    this.#executor = new Executor(pool, options.operationTimeoutMs);
    this.#queries = queriesFor(options.namespace);
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run(async (deadline) => {
      const rows = await this.#executor.execute<TokenRow[]>(deadline, this.#queries.getById, [id], true);
      return rows[0] ? fromRow(rows[0]) : null;
    });
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run(async (deadline) => {
      const rows = await this.#executor.execute<TokenRow[]>(deadline, this.#queries.findByKey[key.kind], [hashKey(key.value)], true);
      const record = rows[0] ? fromRow(rows[0]) : null;
      return record && record[LOOKUP_FIELD[key.kind]] === key.value ? record : null;
    });
  }

  insert(record: StoredToken): Promise<InsertResult> {
    return this.#run(async (deadline) => {
      try {
        await this.#executor.execute<ResultSetHeader>(deadline, this.#queries.insert, writeValues(record), false);
        return 'inserted';
      } catch (error) {
        if (errnoOf(error) === ER_DUP_ENTRY) return 'duplicate';
        throw error;
      }
    });
  }

  update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    return this.#run(async (deadline) => {
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

  /** Runs a call under one deadline, creating the table first; a table dropped meanwhile is recreated. */
  #run<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    return this.#executor.within(async (deadline) => {
      await this.#ensureSchema(deadline);
      try {
        return await work(deadline);
      } catch (error) {
        if (errnoOf(error) !== ER_NO_SUCH_TABLE) throw error;
        this.#schema = undefined;
        await this.#ensureSchema(deadline);
        return work(deadline);
      }
    });
  }

  #ensureSchema(deadline: Deadline): Promise<void> {
    this.#schema ??= setUpSchema(this.#executor, this.namespace, deadline).catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }
}
