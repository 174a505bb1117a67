import type { InsertResult, StoredToken } from '@tokens/core';
import { type SqlValue, writeValues } from './rows.js';
import { qualified } from './schema.js';
import { COLUMN_TYPES } from './setup.js';
import { named, type Statement, WRITE_COLUMNS } from './statements.js';

const USER_KEY = WRITE_COLUMNS.indexOf('user_key');
const ACCESS_KEY = WRITE_COLUMNS.indexOf('access_key');

/**
 * The whole batch as one array per column, unnested into rows: one statement text, so one named
 * prepared statement serves every batch size (a multi-row VALUES would be a new text, and 15
 * placeholders, per row). The keys are cast to text[], not varchar(43)[]: an explicit cast to
 * varchar(n) truncates, the assignment to the column refuses. No conflict target: a collision on
 * any unique index (id or a key), with a stored row or one another transaction is inserting, skips
 * that row without an error, as the single insert does. The id comes back as hex, whatever bytea_output.
 */
export function insertManyStatement(schema: string, table: string): Statement {
  const arrays = WRITE_COLUMNS.map((column, index) => {
    const type = COLUMN_TYPES[column].startsWith('character varying') ? 'text' : COLUMN_TYPES[column];
    return `$${index + 1}::${type}[]`;
  });
  return named(
    `INSERT INTO ${qualified(schema, table)} (${WRITE_COLUMNS.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')}) ON CONFLICT DO NOTHING RETURNING encode(id, 'hex')`,
  );
}

function byKeys(a: SqlValue[], b: SqlValue[]): number {
  for (const at of [USER_KEY, ACCESS_KEY]) {
    const x = (a[at] as string | null) ?? '';
    const y = (b[at] as string | null) ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The parameters: one array per column, the rows in the order of their user key. Two batches that
 * share users then take them in the same order: one waits for the other instead of both waiting
 * for each other (a deadlock, which the server breaks after deadlock_timeout and the executor retries).
 */
export function batchParameters(records: readonly StoredToken[]): SqlValue[] {
  const rows = records.map(writeValues).sort(byKeys);
  return WRITE_COLUMNS.map((_, column) => rows.map((row) => row[column] ?? null));
}

/** The ids the statement returned were inserted; any other record met a stored id or key. */
export function insertResults(records: readonly StoredToken[], returned: (string | null)[][]): InsertResult[] {
  const inserted = new Set(returned.map((row) => row[0]));
  return records.map((record) => (inserted.has(Buffer.from(record.id, 'utf8').toString('hex')) ? 'inserted' : 'duplicate'));
}
