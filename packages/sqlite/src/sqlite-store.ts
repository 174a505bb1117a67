import { createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import type { SqliteDatabase } from './database.js';
import { describeSqliteError } from './errors.js';
import { openDatabase } from './open.js';
import { SqliteBackend } from './sqlite-backend.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface SqliteStoreOptions extends TokenStoreOptions {
  /** A database file (created if missing) or `':memory:'`. Give this or `client`. */
  path?: string;
  /**
   * Your own better-sqlite3 Database instead of `path`: the store never closes it and leaves its
   * pragmas (journal mode, synchronous, busy timeout) as you set them.
   */
  client?: SqliteDatabase;
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

  let db: SqliteDatabase | undefined;
  try {
    if (client) return createTokenStore(new SqliteBackend(client, { namespace: options.namespace }), options);
    db = openDatabase(path as string, busyTimeoutMs, options.fsync ?? false);
    return createTokenStore(new SqliteBackend(db, { namespace: options.namespace, closeDatabase: true }), options);
  } catch (error) {
    if (db?.open) db.close();
    if (error instanceof TokenStoreError) throw error;
    const described = describeSqliteError(error) ?? { code: 'UNAVAILABLE', reason: 'cannot open the database' };
    throw new TokenStoreError({ code: described.code, backend: 'sqlite', operation: 'create', reason: described.reason, cause: error });
  }
}

function invalid(reason: string): never {
  throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'sqlite', operation: 'create', reason });
}
