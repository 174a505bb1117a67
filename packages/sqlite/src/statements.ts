import type { LookupKind, StoredToken } from '@tokens/core';
import { BackendFailure, hashedUniqueKeysOf, hashKey, uniqueKeysOf } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';
import { FIELD_COLUMNS, KEY_COLUMNS, KINDS, tableName } from './schema.js';

const FIELDS = Object.keys(FIELD_COLUMNS) as (keyof typeof FIELD_COLUMNS)[];
const KEY_PARAMS: Record<LookupKind, string> = { user: 'userKey', access: 'accessKey', refresh: 'refreshKey', grant: 'grantKey' };
const KIND_BIT: Record<LookupKind, number> = { user: 1, access: 2, refresh: 4, grant: 8 };

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
    /** Sets the data columns and only the key columns in `changedKeys`: an unchanged index entry is left alone. */
    update: (changedKeys: readonly LookupKind[]) =>
      `UPDATE ${table} SET ${[
        'version = @version',
        ...FIELDS.map((field) => `${FIELD_COLUMNS[field]} = @${field}`),
        ...changedKeys.map((kind) => `${KEY_COLUMNS[kind]} = @${KEY_PARAMS[kind]}`),
      ].join(', ')} WHERE id = @id AND version = @expectedVersion`,
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
  /** The update statement for a set of changed keys, prepared on first use (16 at most). */
  update(changed: readonly LookupKind[]): Statement;
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
  const updates = new Map<number, Statement>();
  return {
    getById: prepare(sql.getById),
    findBy: {
      user: prepare(sql.findBy.user),
      access: prepare(sql.findBy.access),
      refresh: prepare(sql.findBy.refresh),
      grant: prepare(sql.findBy.grant),
    },
    insert: prepare(sql.insert),
    update: (changed) => {
      const mask = changed.reduce((bits, kind) => bits | KIND_BIT[kind], 0);
      let statement = updates.get(mask);
      if (!statement) {
        statement = prepare(sql.update(changed));
        updates.set(mask, statement);
      }
      return statement;
    },
    delete: prepare(sql.delete),
    list: prepare(sql.list),
    clear: prepare(sql.clear),
  };
}

/** Named parameters of an update: the record and the hashed values of the keys that changed. */
export function updateParams(record: StoredToken, changed: readonly LookupKind[]): Record<string, string | number | null> {
  const keys = uniqueKeysOf(record);
  const params: Record<string, string | number | null> = { ...record };
  for (const kind of changed) {
    const value = keys[kind];
    params[KEY_PARAMS[kind]] = value === null ? null : hashKey(value);
  }
  return params;
}

/** Named parameters of insert: the record plus its hashed unique keys. */
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
