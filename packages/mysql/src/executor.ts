import { setTimeout as delay } from 'node:timers/promises';
import { BackendFailure } from '@tokens/core';
import type { Pool as CallbackPool } from 'mysql2';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { isConnectionBroken, isLockConflict, isQueryTimeout } from './errors.js';

const LOCK_RETRIES = 8;

export class Deadline {
  readonly #end: number;

  constructor(readonly ms: number) {
    this.#end = Date.now() + ms;
  }

  remaining(): number {
    return this.#end - Date.now();
  }

  check(): number {
    const remaining = this.remaining();
    if (remaining <= 0) throw this.failure();
    return remaining;
  }

  failure(cause?: unknown): BackendFailure {
    return new BackendFailure('UNAVAILABLE', `no answer from the database within ${this.ms} ms`, cause);
  }
}

export type Params = (string | number | null)[];

/** Per statement, so that a caller's pool set to rowsAsArray or bigNumberStrings still gives what rows.ts reads. */
export function statement(sql: string, deadline: Deadline) {
  return { sql, timeout: deadline.check(), rowsAsArray: false, supportBigNumbers: true };
}

/**
 * Runs statements on pooled connections, each primitive call under one deadline. Connections are
 * checked out explicitly (not `pool.execute`) so that a broken one is destroyed instead of going back
 * to the pool: mysql2's per-query timeout answers the caller but leaves the connection busy.
 */
export class Executor {
  /**
   * mysql2's callback pool under the promise pool, for statements: the promise API captures a
   * stack trace (a new Error) and adds two promises per call, which cost a third of the find
   * throughput at 32 in flight. Undefined for a pool-like object without one (then the promise API).
   */
  readonly #callbackPool: CallbackPool | undefined;

  constructor(
    readonly pool: Pool,
    readonly operationTimeoutMs: number,
  ) {
    const inner = (pool as { pool?: CallbackPool }).pool;
    this.#callbackPool = typeof inner?.getConnection === 'function' ? inner : undefined;
  }

  /** `work` and everything it runs share one deadline; past it the caller gets UNAVAILABLE, never a hang. */
  async within<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.operationTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(deadline.failure()), this.operationTimeoutMs);
    });
    try {
      return await Promise.race([work(deadline), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async acquire(deadline: Deadline): Promise<PoolConnection> {
    deadline.check();
    const connection = await this.pool.getConnection();
    // The caller may have given up meanwhile (the pool has no acquire timeout): hand it back.
    if (deadline.remaining() <= 0) {
      connection.release();
      throw deadline.failure();
    }
    return connection;
  }

  /** Releases the connection, or destroys it when `error` left it unusable. */
  giveBack(connection: Pick<PoolConnection, 'release' | 'destroy'>, error?: unknown): void {
    if (error !== undefined && isConnectionBroken(error)) connection.destroy();
    else connection.release();
  }

  /**
   * One prepared statement. Deadlocks and lock wait timeouts are retried (the statement was rolled
   * back); `idempotent` statements are also retried once on a broken connection (a pooled
   * connection may have died with a server restart).
   */
  execute<T>(deadline: Deadline, sql: string, values: Params, idempotent: boolean): Promise<T> {
    return this.#retrying<T>(deadline, sql, values, idempotent);
  }

  /**
   * One statement on the text protocol (COM_QUERY), with the same retries as `execute`: for SQL
   * whose values are literals already (see batch-insert.ts). Nothing is prepared, so statements of
   * any shape never pile up in the per-connection statement cache (or in the server's
   * max_prepared_stmt_count, shared by all its clients).
   */
  query<T>(deadline: Deadline, sql: string, idempotent: boolean): Promise<T> {
    return this.#retrying<T>(deadline, sql, undefined, idempotent);
  }

  async #retrying<T>(deadline: Deadline, sql: string, values: Params | undefined, idempotent: boolean): Promise<T> {
    let brokenRetries = idempotent ? 1 : 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#once(deadline, sql, values)) as T;
      } catch (error) {
        if (error instanceof BackendFailure) throw error;
        if (isLockConflict(error) && attempt < LOCK_RETRIES && deadline.remaining() > 0) {
          await delay(Math.random() * 5 * attempt);
          continue;
        }
        if (isQueryTimeout(error)) throw deadline.failure(error);
        if (isConnectionBroken(error) && brokenRetries-- > 0 && deadline.remaining() > 0) continue;
        throw error;
      }
    }
  }

  /** One statement on a connection checked out for it; the connection goes back (or is destroyed) before the caller hears. */
  #once(deadline: Deadline, sql: string, values: Params | undefined): Promise<unknown> {
    const pool = this.#callbackPool;
    if (!pool) return this.#onceWithPromises(deadline, sql, values);
    deadline.check();
    return new Promise((resolve, reject) => {
      pool.getConnection((error, connection) => {
        if (error) return reject(error);
        // The caller may have given up meanwhile (the pool has no acquire timeout): hand it back.
        const remaining = deadline.remaining();
        if (remaining <= 0) {
          connection.release();
          return reject(deadline.failure());
        }
        const done = (failure: unknown, result?: unknown) => {
          if (failure) {
            this.giveBack(connection, failure);
            reject(failure);
          } else {
            connection.release();
            resolve(result);
          }
        };
        try {
          const options = { sql, timeout: remaining, rowsAsArray: false, supportBigNumbers: true };
          if (values) connection.execute(options, values, done);
          else connection.query(options, done);
        } catch (failure) {
          // mysql2 refuses some values synchronously (e.g. undefined): the connection is fine.
          connection.release();
          reject(failure);
        }
      });
    });
  }

  async #onceWithPromises(deadline: Deadline, sql: string, values: Params | undefined): Promise<unknown> {
    const connection = await this.acquire(deadline);
    try {
      const [result] = values
        ? await connection.execute(statement(sql, deadline), values)
        : await connection.query(statement(sql, deadline));
      this.giveBack(connection);
      return result;
    } catch (error) {
      this.giveBack(connection, error);
      throw error;
    }
  }
}
