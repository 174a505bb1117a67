import type { LookupKind } from '@tokens/core';
import { callStatement } from './save-procedure.js';
import { KEY_COLUMN, quote } from './schema.js';

/** Column order of the writes (see rows.ts, which builds the values in the same order). */
export const WRITE_COLUMNS = [
  'id',
  'version',
  'user_key',
  'access_key',
  'refresh_key',
  'grant_key',
  'user_signature',
  'client_id',
  'client_secret',
  'redirect_url',
  'grant_token',
  'refresh_token',
  'access_token',
  'expiry_time',
  'api_domain',
] as const;

const READ_COLUMNS = WRITE_COLUMNS.filter((column) => !column.endsWith('_key')).join(', ');

export interface Queries {
  getById: string;
  findByKey: Record<LookupKind, string>;
  insert: string;
  /** The multi-row insert without its rows: `... VALUES ` (see batch-insert.ts, which appends them as literals). */
  insertRows: string;
  update: string;
  /** The CALL of the one-round-trip save procedure. */
  save: string;
  delete: string;
  list: string;
  clear: string;
}

export function queriesFor(table: string): Queries {
  const t = quote(table);
  const [, ...updated] = WRITE_COLUMNS;
  const findBy = (kind: LookupKind) => `SELECT ${READ_COLUMNS} FROM ${t} WHERE ${KEY_COLUMN[kind]} = ?`;
  return {
    getById: `SELECT ${READ_COLUMNS} FROM ${t} WHERE id = ?`,
    findByKey: { user: findBy('user'), access: findBy('access'), refresh: findBy('refresh'), grant: findBy('grant') },
    insert: `INSERT INTO ${t} (${WRITE_COLUMNS.join(', ')}) VALUES (${WRITE_COLUMNS.map(() => '?').join(', ')})`,
    insertRows: `INSERT INTO ${t} (${WRITE_COLUMNS.join(', ')}) VALUES `,
    update: `UPDATE ${t} SET ${updated.map((column) => `${column} = ?`).join(', ')} WHERE id = ? AND version = ?`,
    save: callStatement(table),
    delete: `DELETE FROM ${t} WHERE id = ?`,
    list: `SELECT ${READ_COLUMNS} FROM ${t}`,
    // Not TRUNCATE: that is DDL (implicit commit, needs the DROP privilege).
    clear: `DELETE FROM ${t}`,
  };
}
