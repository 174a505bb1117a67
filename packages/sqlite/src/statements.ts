import type { LookupKind, StoredToken } from '@tokens/core';
import { BackendFailure, hashedUniqueKeysOf } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';
import { FIELD_COLUMNS, KEY_COLUMNS, KINDS, tableName } from './schema.js';

const FIELDS = Object.keys(FIELD_COLUMNS) as (keyof typeof FIELD_COLUMNS)[];
const KEY_PARAMS: Record<LookupKind, string> = { user: 'userKey', access: 'accessKey', refresh: 'refreshKey', grant: 'grantKey' };

/** The SQL of every statement; values are always bound, only the quoted table name is spliced in. */
export function statementSql(namespace: string) {
  const table = tableName(namespace);
  const select = `SELECT id, version, ${FIELDS.map((field) => `${FIELD_COLUMNS[field]} AS ${field}`).join(', ')} FROM ${table}`;
  const columns = ['id', 'version', ...FIELDS.map((field) => FIELD_COLUMNS[field]), ...KINDS.map((kind) => KEY_COLUMNS[kind])];
  const params = ['id', 'version', ...FIELDS, ...KINDS.map((kind) => KEY_PARAMS[kind])];
  return {
    getById: `${select} WHERE id = ?`,
    findBy: Object.fromEntries(KINDS.map((kind) => [kind, `${select} WHERE ${KEY_COLUMNS[kind]} = ?`])) as Record<LookupKind, string>,
    insert: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${params.map((param) => `@${param}`).join(', ')})`,
    update: `UPDATE ${table} SET ${columns
      .slice(1)
      .map((column, i) => `${column} = @${params[i + 1]}`)
      .join(', ')} WHERE id = @id AND version = @expectedVersion`,
    delete: `DELETE FROM ${table} WHERE id = ?`,
    list: select,
    clear: `DELETE FROM ${table}`,
  };
}

type Statement = BetterSqlite3.Statement;

export interface Statements {
  getById: Statement;
  findBy: Record<LookupKind, Statement>;
  insert: Statement;
  update: Statement;
  delete: Statement;
  list: Statement;
  clear: Statement;
}

/**
 * Prepared once per store. `safeIntegers(false)` because a user's own Database may default to
 * BigInt, and versions and expiry times are numbers here.
 */
export function prepareStatements(db: BetterSqlite3.Database, namespace: string): Statements {
  const sql = statementSql(namespace);
  const prepare = (text: string) => db.prepare(text).safeIntegers(false);
  return {
    getById: prepare(sql.getById),
    findBy: {
      user: prepare(sql.findBy.user),
      access: prepare(sql.findBy.access),
      refresh: prepare(sql.findBy.refresh),
      grant: prepare(sql.findBy.grant),
    },
    insert: prepare(sql.insert),
    update: prepare(sql.update),
    delete: prepare(sql.delete),
    list: prepare(sql.list),
    clear: prepare(sql.clear),
  };
}

/** Named parameters of insert and update: the record plus its hashed unique keys. */
export function recordParams(record: StoredToken): Record<string, string | number | null> {
  const keys = hashedUniqueKeysOf(record);
  return {
    ...record,
    userKey: keys.user,
    accessKey: keys.access,
    refreshKey: keys.refresh,
    grantKey: keys.grant,
  };
}

/** Rows are aliased to the record's field names; the types are checked in case the file was edited by hand. */
export function toRecord(row: unknown): StoredToken {
  const record = row as StoredToken;
  let sound = typeof record.id === 'string' && Number.isSafeInteger(record.version);
  for (const field of FIELDS) {
    const value = record[field];
    const expected = field === 'expiryTime' ? 'number' : 'string';
    if (value !== null && typeof value !== expected) sound = false;
  }
  if (!sound) throw new BackendFailure('CORRUPT', 'a stored row has values of unexpected types');
  return record;
}
