import { DATA_FIELDS, type DataField, hashKey, LOOKUP_FIELD, type LookupKind, type SavePlan } from '@tokens/core';
import type { SqlValue } from './rows.js';
import { qualified } from './schema.js';
import { KEY_COLUMN, named, READ_COLUMNS, type Statement } from './statements.js';

/** The column of each data field, and the key column a lookup field fills. */
const COLUMN: Record<DataField, string> = {
  userSignature: 'user_signature',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  redirectUrl: 'redirect_url',
  grantToken: 'grant_token',
  refreshToken: 'refresh_token',
  accessToken: 'access_token',
  expiryTime: 'expiry_time',
  apiDomain: 'api_domain',
};
const KEY_OF: Partial<Record<DataField, LookupKind>> = {
  userSignature: 'user',
  accessToken: 'access',
  refreshToken: 'refresh',
  grantToken: 'grant',
};
const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];
const BIT = new Map(DATA_FIELDS.map((field, index) => [field, 1 << index]));

/**
 * Shapes beyond this many run as unnamed statements (parsed per call, still one round trip), so
 * neither this cache nor the server's prepared statements per connection grow without bound. A
 * real app has a handful: a refresh (access token, expiry), a first login (every field), ...
 */
const NAMED_SHAPES = 32;

/** Where the row comes from in the answer of a save statement (its last column): written, or the target as read. */
export const WRITTEN = 'w';
export const CURRENT = 'c';

/**
 * A save by lookup key that may insert (no id, no expected version): one INSERT ... ON CONFLICT.
 * A unique key of another record makes it fail with 23505 whether it inserted or updated.
 */
export function isUpsert(plan: SavePlan): boolean {
  return plan.id === undefined && plan.key !== null && plan.insert !== null;
}

/**
 * Whether one statement can apply the plan: the lookup value is the value the save sets for that
 * field, and the record to insert is the id plus the fields set (what core builds). Anything else
 * goes the two-step way.
 */
export function fitsOneStatement(plan: SavePlan): boolean {
  if (plan.fields.length === 0 || (plan.id === undefined && !plan.key && !plan.insert)) return false;
  if (plan.key && plan.set[LOOKUP_FIELD[plan.key.kind]] !== plan.key.value) return false;
  const insert = plan.insert;
  if (!insert) return true;
  if (insert.version !== 1 || (plan.id !== undefined && insert.id !== plan.id)) return false;
  for (const field of DATA_FIELDS) if (insert[field] !== (plan.set[field] ?? null)) return false;
  return true;
}

/**
 * One statement per shape of plan (fields set, lookup, versioned, inserting), all in one snapshot.
 * An upsert (`isUpsert`: a refresh, a first login) is `cur` plus one INSERT ... ON CONFLICT on the
 * lookup key (see `#text`); every other plan:
 * - `cur`: the target by rule 1, as of the statement's snapshot (no lock: a save that changes
 *   nothing writes nothing, not even a row lock).
 * - `upd`: writes the set fields at version + 1 where the row is still the target, not sealed, at
 *   the expected version, and differs from the set values. In READ COMMITTED an UPDATE that meets
 *   a row changed since the snapshot waits for that writer and re-checks its WHERE on the newest
 *   version, so these conditions hold on what it overwrites: a racing plain save lands on the
 *   winner's row in this same statement, no lost update, no retry.
 * - `ins`: with no target, the record to insert; ON CONFLICT DO NOTHING (every unique index) turns
 *   a taken key, or a racing first save of the same user, into no row, never an error.
 * The answer is the written row, or else the snapshot's target (core's rules then say which of
 * sealed / stale / unchanged it is, or that the row changed under us: retry), or nothing.
 */
export class SaveStatements {
  readonly #table: string;
  readonly #named = new Map<number, Statement>();

  constructor(schema: string, table: string) {
    this.#table = qualified(schema, table);
  }

  /** The statement and its values for a plan that `fitsOneStatement`. */
  prepare(plan: SavePlan): { statement: Statement | string; values: SqlValue[] } {
    const values: SqlValue[] = [];
    if (plan.id !== undefined || plan.key) values.push(Buffer.from(plan.sealedPrefix, 'utf8'));
    let shape = plan.id === undefined ? 0 : 1 << 9;
    if (plan.key) shape |= (KINDS.indexOf(plan.key.kind) + 1) << 10;
    if (plan.expectedVersion !== undefined) shape |= 1 << 13;
    if (plan.insert) shape |= 1 << 14;
    for (const field of plan.fields) {
      shape |= BIT.get(field) ?? 0;
      const value = plan.set[field] ?? null;
      if (field === 'expiryTime') {
        values.push(value);
        continue;
      }
      values.push(value === null ? null : Buffer.from(value as string, 'utf8'));
      // An empty value is absent as a key (uniqueKeysOf): NULL, which never collides.
      if (KEY_OF[field]) values.push(value ? hashKey(value as string) : null);
    }
    if (plan.id !== undefined) values.push(Buffer.from(plan.id, 'utf8'));
    if (plan.expectedVersion !== undefined) values.push(plan.expectedVersion);
    if (plan.insert) values.push(Buffer.from(plan.insert.id, 'utf8'));
    let statement: Statement | string | undefined = this.#named.get(shape);
    if (!statement) {
      const text = this.#text(plan);
      statement = this.#named.size < NAMED_SHAPES ? named(text) : text;
      if (typeof statement !== 'string') this.#named.set(shape, statement);
    }
    return { statement, values };
  }

  /** The text for the plan's shape; parameters in the order `prepare` pushes the values. */
  #text(plan: SavePlan): string {
    const t = this.#table;
    let n = 0;
    const prefix = plan.id !== undefined || plan.key ? `$${++n}::bytea` : undefined;
    const param = new Map<DataField, string>();
    const hashParam = new Map<DataField, string>();
    for (const field of plan.fields) {
      param.set(field, `$${++n}::${field === 'expiryTime' ? 'bigint' : 'bytea'}`);
      if (KEY_OF[field]) hashParam.set(field, `$${++n}::text`);
    }
    const id = plan.id === undefined ? undefined : `$${++n}::bytea`;
    const version = plan.expectedVersion === undefined ? undefined : `$${++n}::integer`;
    const newId = plan.insert ? `$${++n}::bytea` : undefined;

    const read = READ_COLUMNS.join(', ');
    const lookupField = plan.key ? LOOKUP_FIELD[plan.key.kind] : undefined;
    const keyColumn = lookupField === undefined ? undefined : KEY_COLUMN[KEY_OF[lookupField] as LookupKind];
    // The lookup by key checks the value itself too: the hash narrows it down, the value decides.
    const sameValue = (row: string) => lookupField && `${row}${COLUMN[lookupField]} = ${param.get(lookupField)}`;
    const byKey = (row: string) => lookupField && `${row}${keyColumn} = ${hashParam.get(lookupField)} AND ${sameValue(row)}`;
    // Whether the save writes to `row`: not sealed (encrypted, and this store is not), at the
    // expected version, and changed by the save (a save that changes nothing writes nothing).
    const writes = (row: string) => [
      `substr(${row}client_secret, 1, octet_length(${prefix})) IS DISTINCT FROM ${prefix}`,
      ...(version === undefined ? [] : [`${row}version = ${version}`]),
      `(${plan.fields.map((field) => `${row}${COLUMN[field]} IS DISTINCT FROM ${param.get(field)}`).join(' OR ')})`,
    ];
    const sets = plan.fields.flatMap((field) => {
      const kind = KEY_OF[field];
      const own = `${COLUMN[field]} = ${param.get(field)}`;
      return kind ? [own, `${KEY_COLUMN[kind]} = ${hashParam.get(field)}`] : [own];
    });
    const columns = ['id', 'version'];
    const inserted = [newId, '1'];
    for (const field of plan.fields) {
      const kind = KEY_OF[field];
      if (kind) {
        columns.push(KEY_COLUMN[kind]);
        inserted.push(hashParam.get(field) as string);
      }
      columns.push(COLUMN[field]);
      inserted.push(param.get(field) as string);
    }
    const insertInto = `INSERT INTO ${t} AS t (${columns.join(', ')}) SELECT ${inserted.join(', ')}`;
    const returning = `RETURNING ${READ_COLUMNS.map((column) => `t.${column}`).join(', ')}`;

    if (isUpsert(plan)) {
      // The common saves (a refresh, a first login): one INSERT ... ON CONFLICT on the lookup key,
      // attempted only when the snapshot's target would change (or there is none). Its DO UPDATE
      // locks the row holding the key, committed or racing (it waits for that writer), and
      // re-checks the WHERE on its newest version: a racing first save of the same user becomes
      // an update of the winner's record in this same statement.
      return (
        `WITH cur AS (SELECT ${read} FROM ${t} WHERE ${byKey('')}), ` +
        `w AS (${insertInto} WHERE NOT EXISTS (SELECT 1 FROM cur WHERE NOT (${writes('cur.').join(' AND ')})) ` +
        `ON CONFLICT (${keyColumn}) DO UPDATE SET ${sets.join(', ')}, version = t.version + 1 ` +
        `WHERE ${[sameValue('t.'), ...writes('t.')].join(' AND ')} ${returning}) ` +
        `SELECT *, '${WRITTEN}' FROM w UNION ALL SELECT *, '${CURRENT}' FROM cur WHERE NOT EXISTS (SELECT 1 FROM w)`
      );
    }

    const parts: string[] = [];
    const hasTarget = id !== undefined || lookupField !== undefined;
    if (hasTarget) {
      // Rule 1: the record with the id when there is one, else the one with the key.
      let where = `id = ${id}`;
      if (id === undefined) where = byKey('') as string;
      else if (lookupField !== undefined) where = `id = ${id} OR (${byKey('')}) ORDER BY id = ${id} DESC LIMIT 1`;
      parts.push(`cur AS (SELECT ${read} FROM ${t} WHERE ${where})`);
      const conditions = ['t.id = cur.id'];
      // Re-checked on the newest version of the row (see above): still the target, and written to.
      if (id === undefined) conditions.push(byKey('t.') as string);
      else if (lookupField !== undefined) conditions.push(`(t.id = ${id} OR (${byKey('t.')}))`);
      conditions.push(...writes('t.'));
      parts.push(
        `upd AS (UPDATE ${t} AS t SET ${sets.join(', ')}, version = t.version + 1 FROM cur WHERE ${conditions.join(' AND ')} ${returning})`,
      );
    }
    if (newId) {
      parts.push(`ins AS (${insertInto}${hasTarget ? ' WHERE NOT EXISTS (SELECT 1 FROM cur)' : ''} ON CONFLICT DO NOTHING ${returning})`);
    }
    const answers: string[] = [];
    if (hasTarget) answers.push(`SELECT *, '${WRITTEN}' FROM upd`);
    if (newId) answers.push(`SELECT *, '${WRITTEN}' FROM ins`);
    if (hasTarget) answers.push(`SELECT *, '${CURRENT}' FROM cur WHERE NOT EXISTS (SELECT 1 FROM upd)`);
    return `WITH ${parts.join(', ')} ${answers.join(' UNION ALL ')}`;
  }
}
