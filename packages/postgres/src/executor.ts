import { setTimeout as delay } from 'node:timers/promises';
import { BackendFailure } from '@tokens/core';
import type pg from 'pg';
import { isConnectionBroken, isTransientConflict, PostgresDriverError } from './errors.js';
import type { SqlValue } from './rows.js';
import type { Statement } from './statements.js';

const CONFLICT_RETRIES = 8;

/** A checked-out connection; `release(true)` discards it (a broken or timed-out one never goes back). */
export interface Lease {
  readonly client: pg.ClientBase;
  release(destroy: boolean): void;
}

/** Where connections come from: a pool (checkout per call) or one client the caller gave. */
export type Connections = { kind: 'pool'; pool: pg.Pool } | { kind: 'client'; client: pg.ClientBase };

// Every value arrives as PostgreSQL's text (rows.ts parses it): neither pg's global type parsers
// nor a caller's overrides (setTypeParser) change what the store reads.
const RAW_TEXT = (value: string) => value;
const RAW_TYPES = { getTypeParser: () => RAW_TEXT };

// A checked-out pg client that loses its connection emits 'error'; without a listener that would
// crash the process. The failure itself reaches the caller through the pending query.
const ignore = () => {};

export class Deadline {
  readonly #end: number;
  #lease: Lease | undefined;
  #expired = false;

  constructor(readonly ms: number) {
    this.#end = Date.now() + ms;
  }

  get expired(): boolean {
    return this.#expired;
  }

  remaining(): number {
    return this.#end - Date.now();
  }

  check(): number {
    const remaining = this.remaining();
    if (this.#expired || remaining <= 0) throw this.failure();
    return remaining;
  }

  failure(cause?: unknown): BackendFailure {
    return new BackendFailure(
      'UNAVAILABLE',
      `no answer from the database within ${this.ms} ms`,
      cause === undefined ? undefined : new PostgresDriverError(cause),
    );
  }

  /** The connection the work is waiting on; discarded if the deadline passes meanwhile. */
  hold(lease: Lease | undefined): void {
    this.#lease = lease;
  }

  expire(): void {
    this.#expired = true;
    this.#lease?.release(true);
    this.#lease = undefined;
  }
}

export class Executor {
  constructor(
    readonly connections: Connections,
    readonly operationTimeoutMs: number,
  ) {}

  /** `work` and everything it runs share one deadline; past it the caller gets UNAVAILABLE, never a hang. */
  within<T>(work: (deadline: Deadline) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.operationTimeoutMs);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        deadline.expire();
        reject(deadline.failure());
      }, this.operationTimeoutMs);
      work(deadline).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async acquire(deadline: Deadline): Promise<Lease> {
    deadline.check();
    if (this.connections.kind === 'client') return { client: this.connections.client, release: ignore };
    const client = await this.connections.pool.connect();
    client.on('error', ignore);
    let released = false;
    const lease: Lease = {
      client,
      release(destroy) {
        if (released) return;
        released = true;
        // A discarded client may still report its end: keep the listener on it.
        if (!destroy) client.off('error', ignore);
        client.release(destroy || undefined);
      },
    };
    // The caller may have given up while the pool was connecting: hand it back.
    if (deadline.expired || deadline.remaining() <= 0) {
      lease.release(false);
      throw deadline.failure();
    }
    return lease;
  }

  /** Runs one statement on `lease`, discarding the connection if the deadline passes first. */
  async query(deadline: Deadline, lease: Lease, statement: Statement | string, values: SqlValue[]): Promise<pg.QueryArrayResult> {
    deadline.check();
    const config: pg.QueryArrayConfig =
      typeof statement === 'string'
        ? { text: statement, values, rowMode: 'array', types: RAW_TYPES }
        : { name: statement.name, text: statement.text, values, rowMode: 'array', types: RAW_TYPES };
    deadline.hold(lease);
    try {
      return await lease.client.query(config);
    } catch (error) {
      if (deadline.expired) throw deadline.failure(error);
      throw error;
    } finally {
      deadline.hold(undefined);
    }
  }

  /**
   * One prepared statement on a connection of its own. Deadlocks and serialization failures are
   * retried (the server rolled the statement back); `idempotent` statements are also retried once
   * on a broken connection (a pooled connection may have died with a server restart).
   */
  async execute(deadline: Deadline, statement: Statement | string, values: SqlValue[], idempotent: boolean): Promise<pg.QueryArrayResult> {
    let brokenRetries = idempotent ? 1 : 0;
    for (let attempt = 1; ; attempt++) {
      const lease = await this.acquire(deadline);
      try {
        const result = await this.query(deadline, lease, statement, values);
        lease.release(false);
        return result;
      } catch (error) {
        lease.release(isConnectionBroken(error));
        if (deadline.expired) throw error;
        if (isTransientConflict(error) && attempt < CONFLICT_RETRIES && deadline.remaining() > 0) {
          await delay(Math.random() * 5 * attempt);
          continue;
        }
        if (isConnectionBroken(error) && brokenRetries-- > 0 && deadline.remaining() > 0) continue;
        throw error;
      }
    }
  }
}
