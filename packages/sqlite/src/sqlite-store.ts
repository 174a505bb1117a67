import { createTokenStore, type TokenStore, TokenStoreError } from '@tokens/core';
import Database from 'better-sqlite3';
import { describeSqliteError } from './errors.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface SqliteStoreOptions {
  /** A database file (created if missing) or `':memory:'`. Give this or `client`. */
  path?: string;
  /**
   * Your own better-sqlite3 Database instead of `path`: the store never closes it and leaves its
   * pragmas (journal mode, synchronous, busy timeout) as you set them.
   */
  client?: Database.Database;
  /** Name of the table holding this store's tokens (default `tokens`). */
  namespace?: string;
  /** `true`: `synchronous = FULL`, commits survive a power loss. Default `NORMAL`: they survive a process crash. */
  fsync?: boolean;
  /** How long a statement waits for another process's write lock before failing with UNAVAILABLE (default 5000). */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** A store in a SQLite database: one table per namespace, safe for several processes on one file. */
export function createSqliteStore(options: SqliteStoreOptions): TokenStore {
  const { path, client } = options ?? {};
  if ((path === undefined) === (client === undefined))
    invalid('give either path (a file or ":memory:") or client (a better-sqlite3 Database)');
  if (path !== undefined && (typeof path !== 'string' || path === '')) invalid('path must be a non-empty string');
  if (client !== undefined) {
    if (typeof client?.prepare !== 'function') invalid('client must be a better-sqlite3 Database');
    if (options.fsync !== undefined || options.busyTimeoutMs !== undefined) {
      invalid('fsync and busyTimeoutMs apply when the store opens the file (path); set pragmas on your own client instead');
    }
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) invalid('busyTimeoutMs must be a non-negative integer');
  if (options.fsync !== undefined && typeof options.fsync !== 'boolean') invalid('fsync must be a boolean');

  let db: Database.Database | undefined;
  try {
    if (client) return createTokenStore(new SqliteBackend(client, { namespace: options.namespace }));
    db = openDatabase(path as string, busyTimeoutMs, options.fsync ?? false);
    return createTokenStore(new SqliteBackend(db, { namespace: options.namespace, closeDatabase: true }));
  } catch (error) {
    if (db?.open) db.close();
    if (error instanceof TokenStoreError) throw error;
    const described = describeSqliteError(error) ?? { code: 'UNAVAILABLE', reason: 'cannot open the database' };
    throw new TokenStoreError({ code: described.code, backend: 'sqlite', operation: 'create', reason: described.reason, cause: error });
  }
}

/** Opens the file with this package's settings; exported for tests, not from the package. */
export function openDatabase(path: string, busyTimeoutMs: number, fsync: boolean): Database.Database {
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    // WAL: readers never block the writer, and a commit is one append to the log.
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // In WAL mode, NORMAL syncs only at checkpoints: a power loss may drop the last commits but
    // never corrupts the file; FULL syncs the log at every commit.
    db.pragma(`synchronous = ${fsync ? 'FULL' : 'NORMAL'}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function invalid(reason: string): never {
  throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'sqlite', operation: 'create', reason });
}
