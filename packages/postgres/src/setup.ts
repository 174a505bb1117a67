import { BackendFailure } from '@tokens/core';
import { isConnectionBroken } from './errors.js';
import type { Deadline, Executor, Lease } from './executor.js';
import type { SqlValue } from './rows.js';
import { createMetaTable, createTokenTable, META_TABLE, qualified, quote, SCHEMA_LOCK_KEY, SCHEMA_VERSION } from './schema.js';
import { WRITE_COLUMNS } from './statements.js';

type Run = (sql: string, values?: SqlValue[]) => Promise<(string | null)[][]>;

function newerSchema(schema: string, table: string, version: number): BackendFailure {
  return new BackendFailure(
    'UNAVAILABLE',
    `table ${schema}.${table} has schema version ${version}, newer than this @tokens/postgres knows (${SCHEMA_VERSION}): upgrade the package`,
  );
}

/**
 * Makes sure the schema, the meta table and the namespace's table exist at SCHEMA_VERSION.
 * The usual case, all in place, is two reads and no lock. Otherwise one transaction under an
 * advisory lock (stores starting together never interleave their checks and DDL, and PostgreSQL's
 * DDL is transactional: a failure leaves nothing half-made). Objects are created only when missing,
 * so a role without CREATE rights works on tables someone made for it.
 */
export async function setUpSchema(executor: Executor, schema: string, table: string, deadline: Deadline): Promise<void> {
  const lease = await executor.acquire(deadline);
  const run: Run = async (sql, values = []) => (await executor.query(deadline, lease, sql, values)).rows;
  let inTransaction = false;
  try {
    if (await isCurrent(run, schema, table)) {
      lease.release(false);
      return;
    }
    await run('BEGIN');
    inTransaction = true;
    // Server-side bounds too: with a caller's single client the connection cannot be discarded.
    const ms = String(Math.max(1, deadline.check()));
    await run("SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $1, true)", [ms]);
    await run('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_LOCK_KEY]);
    const [hasSchema] = await run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!hasSchema) await run(`CREATE SCHEMA ${quote(schema)}`);
    if (!(await exists(run, schema, META_TABLE))) await run(createMetaTable(schema));
    const [row] = await run(`SELECT version FROM ${qualified(schema, META_TABLE)} WHERE namespace = $1`, [table]);
    const version = row ? Number(row[0]) : undefined;
    if (version !== undefined && version > SCHEMA_VERSION) throw newerSchema(schema, table, version);
    // Also when the meta row exists: the table may have been dropped by hand.
    if (!(await exists(run, schema, table))) await run(createTokenTable(schema, table));
    else if (version === undefined) await checkColumns(run, schema, table);
    if (version === undefined) {
      await run(`INSERT INTO ${qualified(schema, META_TABLE)} (namespace, version) VALUES ($1, $2)`, [table, SCHEMA_VERSION]);
    }
    await run('COMMIT');
    inTransaction = false;
    lease.release(false);
  } catch (error) {
    // A connection still inside the transaction must not go back to the pool as it is.
    const rolledBack = inTransaction && !isConnectionBroken(error) && !deadline.expired && (await rollback(lease));
    lease.release(inTransaction ? !rolledBack : isConnectionBroken(error));
    throw error;
  }
}

async function rollback(lease: Lease): Promise<boolean> {
  try {
    await lease.client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

async function exists(run: Run, schema: string, table: string): Promise<boolean> {
  const [row] = await run('SELECT to_regclass($1) IS NOT NULL', [qualified(schema, table)]);
  return row?.[0] === 't';
}

/** Both tables there and the meta row at this version: nothing to do. */
async function isCurrent(run: Run, schema: string, table: string): Promise<boolean> {
  const [row] = await run('SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL', [
    qualified(schema, META_TABLE),
    qualified(schema, table),
  ]);
  if (row?.[0] !== 't' || row[1] !== 't') return false;
  const [meta] = await run(`SELECT version FROM ${qualified(schema, META_TABLE)} WHERE namespace = $1`, [table]);
  const version = meta ? Number(meta[0]) : undefined;
  if (version !== undefined && version > SCHEMA_VERSION) throw newerSchema(schema, table, version);
  return version === SCHEMA_VERSION;
}

/** The columns' types as format_type names them (also the element types of insert-many.ts's arrays). */
export const COLUMN_TYPES: Record<(typeof WRITE_COLUMNS)[number], string> = {
  id: 'bytea',
  version: 'integer',
  user_key: 'character varying(43)',
  access_key: 'character varying(43)',
  refresh_key: 'character varying(43)',
  grant_key: 'character varying(43)',
  user_signature: 'bytea',
  client_id: 'bytea',
  client_secret: 'bytea',
  redirect_url: 'bytea',
  grant_token: 'bytea',
  refresh_token: 'bytea',
  access_token: 'bytea',
  expiry_time: 'bigint',
  api_domain: 'bytea',
};

/** A table of the same name that is not ours (other columns, or text where we write bytes): refuse to use it. */
async function checkColumns(run: Run, schema: string, table: string): Promise<void> {
  const rows = await run(
    'SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped',
    [qualified(schema, table)],
  );
  const found = new Map(rows.map(([name, type]) => [name, type]));
  const ours = WRITE_COLUMNS.every((column) => found.get(column) === COLUMN_TYPES[column]);
  if (!ours) {
    throw new BackendFailure(
      'INVALID_OPTIONS',
      `table ${schema}.${table} exists but is not a @tokens/postgres table: choose another namespace`,
    );
  }
}
