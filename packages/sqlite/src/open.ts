import Database from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

/** Opens the file with this package's settings; exported for tests, not from the package. */
export function openDatabase(path: string, busyTimeoutMs: number, fsync: boolean): SqliteDatabase {
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
