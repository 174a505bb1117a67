import { createHash } from 'node:crypto';
import type { LookupKind } from '@tokens/core';
import { qualified } from './schema.js';

export const KEY_COLUMN: Record<LookupKind, string> = {
  user: 'user_key',
  access: 'access_key',
  refresh: 'refresh_key',
  grant: 'grant_key',
};

/** Column order of the writes (rows.ts builds the values in the same order). */
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

/** Column order of the reads (rows.ts reads them by position). */
export const READ_COLUMNS = WRITE_COLUMNS.filter((column) => !column.endsWith('_key'));

/** A named (server-side prepared) statement: parsed and planned once per connection. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export interface Statements {
  getById: Statement;
  findByKey: Record<LookupKind, Statement>;
  insert: Statement;
  update: Statement;
  delete: Statement;
  list: Statement;
  clear: Statement;
}

/**
 * The name is derived from the text: pg refuses one name for two texts on a connection, and a
 * caller's pool may serve stores of several schemas and namespaces.
 */
export function named(text: string): Statement {
  return { name: `tokens_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

export function statementsFor(schema: string, table: string): Statements {
  const t = qualified(schema, table);
  const read = READ_COLUMNS.join(', ');
  const [, ...updated] = WRITE_COLUMNS;
  const findBy = (kind: LookupKind) => named(`SELECT ${read} FROM ${t} WHERE ${KEY_COLUMN[kind]} = $1`);
  const n = updated.length;
  return {
    getById: named(`SELECT ${read} FROM ${t} WHERE id = $1`),
    findByKey: { user: findBy('user'), access: findBy('access'), refresh: findBy('refresh'), grant: findBy('grant') },
    // No conflict target: a collision on any unique index (id or a key) inserts nothing, without an error.
    insert: named(
      `INSERT INTO ${t} (${WRITE_COLUMNS.join(', ')}) VALUES (${WRITE_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')}) ON CONFLICT DO NOTHING`,
    ),
    update: named(
      `UPDATE ${t} SET ${updated.map((column, index) => `${column} = $${index + 1}`).join(', ')} WHERE id = $${n + 1} AND version = $${n + 2}`,
    ),
    delete: named(`DELETE FROM ${t} WHERE id = $1`),
    list: named(`SELECT ${read} FROM ${t}`),
    // Not TRUNCATE: it takes an exclusive lock and needs the TRUNCATE privilege.
    clear: named(`DELETE FROM ${t}`),
  };
}
