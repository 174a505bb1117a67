import { BackendFailure } from '@tokens/core';
import { ER_BAD_FIELD_ERROR, ER_SP_ALREADY_EXISTS, isAccessDenied } from './errors.js';
import { type Deadline, type Executor, type Params, statement } from './executor.js';
import { WRITE_COLUMNS } from './queries.js';
import { createProcedure } from './save-procedure.js';
import { createMetaTable, createTokenTable, META_TABLE, quote, SCHEMA_LOCK, SCHEMA_VERSION } from './schema.js';

/** What the schema setup found: whether the one-round-trip save procedure can be called. */
export interface SchemaState {
  procedure: boolean;
}

/**
 * Creates the meta table, the namespace's table and its save procedure if needed. Runs under a server-wide named lock
 * (GET_LOCK, in MySQL and MariaDB alike), so two stores starting together never interleave their
 * checks and DDL. On any failure the connection is destroyed rather than released: the server then
 * drops the lock, which a pooled connection would otherwise keep holding.
 */
export async function setUpSchema(executor: Executor, table: string, deadline: Deadline): Promise<SchemaState> {
  const connection = await executor.acquire(deadline);
  const execute = async <T>(sql: string, values: Params) => (await connection.execute(statement(sql, deadline), values))[0] as T;
  const ddl = async (sql: string) => {
    await connection.query(statement(sql, deadline));
  };
  try {
    const seconds = Math.max(1, Math.floor(deadline.remaining() / 1000));
    const [lock] = await execute<{ locked: number | null }[]>('SELECT GET_LOCK(?, ?) AS locked', [SCHEMA_LOCK, seconds]);
    if (lock?.locked !== 1) throw new BackendFailure('UNAVAILABLE', 'timed out waiting for another store that is creating the schema');
    await ddl(createMetaTable);
    const rows = await execute<{ version: number }[]>(`SELECT version FROM ${quote(META_TABLE)} WHERE namespace = ?`, [table]);
    const version = rows[0]?.version;
    if (version !== undefined && version > SCHEMA_VERSION) {
      throw new BackendFailure(
        'UNAVAILABLE',
        `table ${table} has schema version ${version}, newer than this @tokens/mysql knows (${SCHEMA_VERSION}): upgrade the package`,
      );
    }
    // Also when the meta row exists: the table may have been dropped by hand.
    await ddl(createTokenTable(table));
    if (version === undefined) {
      await checkColumns(execute, table);
      await execute(`INSERT INTO ${quote(META_TABLE)} (namespace, version) VALUES (?, ?)`, [table, SCHEMA_VERSION]);
    }
    const procedure = await createSaveProcedure(ddl, table);
    await execute('SELECT RELEASE_LOCK(?)', [SCHEMA_LOCK]);
    connection.release();
    return { procedure };
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

/**
 * Creates the save procedure unless it exists (portable: MySQL 8.0 before 8.0.29 has no
 * CREATE PROCEDURE IF NOT EXISTS). A routine keeps the sql_mode of its creation: strict, so no
 * value is ever truncated silently whatever the session's mode; the session's mode is restored.
 * Without the CREATE ROUTINE privilege the store saves by read + write: false.
 */
async function createSaveProcedure(ddl: (sql: string) => Promise<void>, table: string): Promise<boolean> {
  await ddl("SET @tokens_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
  try {
    await ddl(createProcedure(table));
    return true;
  } catch (error) {
    if ((error as { errno?: unknown }).errno === ER_SP_ALREADY_EXISTS) return true;
    if (isAccessDenied(error)) return false;
    throw error;
  } finally {
    await ddl('SET SESSION sql_mode = @tokens_sql_mode, @tokens_sql_mode = NULL');
  }
}

/** CREATE TABLE IF NOT EXISTS keeps a table of the same name that is not ours: refuse to use it. */
async function checkColumns(execute: (sql: string, values: Params) => Promise<unknown>, table: string): Promise<void> {
  try {
    await execute(`SELECT ${WRITE_COLUMNS.join(', ')} FROM ${quote(table)} LIMIT 0`, []);
  } catch (error) {
    if ((error as { errno?: unknown }).errno !== ER_BAD_FIELD_ERROR) throw error;
    throw new BackendFailure('INVALID_OPTIONS', `table ${table} exists but is not a @tokens/mysql table: choose another namespace`, error);
  }
}
