import { BackendFailure, type StoredToken } from '@tokens/core';
import { type SqlValue, writeValues } from './rows.js';

/**
 * Most SQL text one multi-row INSERT carries: far below the server's `max_allowed_packet`
 * (16 MiB by default on MariaDB, 64 MiB on MySQL 8), which bounds a whole statement. A batch of
 * 1,000 Zoho-sized tokens is about 0.7 MiB, one statement; only very large values split a batch.
 */
export const MAX_STATEMENT_LENGTH = 4 * 1024 * 1024;

/** One statement of a batch: `sql` is undefined for a lone record (the prepared single-row insert). */
export interface BatchStatement {
  records: StoredToken[];
  sql: string | undefined;
}

/**
 * Printable ASCII but `'` and `\`: the same characters in every connection character set a client
 * may use, and not special inside '...' whether or not the session has NO_BACKSLASH_ESCAPES.
 * Hashed key columns (base64url), client ids, URLs and most tokens are sent as they are.
 */
const PLAIN = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/**
 * A value as a SQL literal whose meaning depends on no session setting. Any other string goes as
 * its UTF-8 bytes in hex with an explicit character set (`_utf8mb4 X'…'`): exact for 4-byte
 * characters, NUL, quotes and backslashes whatever the connection's charset or sql_mode. (A
 * client-side escaper such as mysql2's `format` is not: its `\\` means two backslashes under
 * NO_BACKSLASH_ESCAPES, a setting of the user's pool we cannot see.)
 */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    // Core checks both (version 1, expiryTime a non-negative safe integer); String() of one has no exponent.
    if (!Number.isSafeInteger(value)) throw new BackendFailure('UNAVAILABLE', 'a batch insert got a number that is not a safe integer');
    return String(value);
  }
  if (PLAIN.test(value)) return `'${value}'`;
  return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

/** A record's row, `(v1, v2, …)`, with the values (and hashed keys) of the single-row insert. */
function rowOf(record: StoredToken): string {
  return `(${writeValues(record).map(literal).join(', ')})`;
}

/**
 * The records as multi-row INSERTs of at most MAX_STATEMENT_LENGTH characters each, in order:
 * usually one. A record too large to share a statement goes alone, as the prepared insert.
 */
export function batchStatements(insertRows: string, records: readonly StoredToken[]): BatchStatement[] {
  const statements: BatchStatement[] = [];
  let rows: string[] = [];
  let batch: StoredToken[] = [];
  let length = insertRows.length;
  const flush = () => {
    if (batch.length === 0) return;
    statements.push({ records: batch, sql: batch.length === 1 ? undefined : insertRows + rows.join(',') });
    rows = [];
    batch = [];
    length = insertRows.length;
  };
  for (const record of records) {
    const row = rowOf(record);
    if (batch.length > 0 && length + 1 + row.length > MAX_STATEMENT_LENGTH) flush();
    rows.push(row);
    batch.push(record);
    length += 1 + row.length;
  }
  flush();
  return statements;
}
