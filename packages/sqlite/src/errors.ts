/** better-sqlite3's error codes are SQLite's extended result codes, e.g. `SQLITE_CONSTRAINT_UNIQUE`. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A racing writer (or an existing record) holds the id or one of the unique keys. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** What the user is told about a driver error; reasons name the fault, never a value. */
export function describeSqliteError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } | undefined {
  const code = sqliteCode(error);
  if (code === undefined) {
    // better-sqlite3 throws a TypeError when its Database was closed under us (a user's client, say).
    if (error instanceof TypeError && /connection is not open/.test(error.message)) {
      return { code: 'UNAVAILABLE', reason: 'the database connection is closed' };
    }
    return undefined;
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { code: 'UNAVAILABLE', reason: 'database is locked (busy timeout exceeded)' };
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return { code: 'CORRUPT', reason: `the database file is damaged or not a SQLite database (${code})` };
  }
  if (code === 'SQLITE_FULL') return { code: 'UNAVAILABLE', reason: 'the disk is full' };
  if (code.startsWith('SQLITE_CANTOPEN')) return { code: 'UNAVAILABLE', reason: `cannot open the database file (${code})` };
  if (code.startsWith('SQLITE_READONLY')) return { code: 'UNAVAILABLE', reason: `the database is read-only (${code})` };
  return { code: 'UNAVAILABLE', reason: `SQLite failed (${code})` };
}
