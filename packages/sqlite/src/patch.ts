import type { DataField, LookupKind, SavePlan, StoredToken } from '@tokens/core';
import { DATA_FIELDS, hashKey, LOOKUP_FIELD } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';
import { FIELD_COLUMNS, KEY_COLUMNS, KINDS, tableName } from './schema.js';

const KIND_OF_FIELD = new Map<DataField, LookupKind>(KINDS.map((kind) => [LOOKUP_FIELD[kind], kind]));
const MAX_CACHED = 256;

/**
 * The refresh of a stored token as one UPDATE ... RETURNING: the plan's fields (and the hashed key
 * columns of key fields among them) are set on the row found by the lookup key, only if it is not
 * sealed, is at the expected version when one is given, and would change. A row back means the
 * save is done; none means one of those did not hold (or there is no such row), and the caller
 * runs the plan in a transaction, which tells the cases apart.
 */
export class PatchStatements {
  readonly #db: BetterSqlite3.Database;
  readonly #table: string;
  readonly #select: string;
  readonly #cache = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database, namespace: string) {
    this.#db = db;
    this.#table = tableName(namespace);
    this.#select = `id, version, ${DATA_FIELDS.map((field) => `${FIELD_COLUMNS[field]} AS ${field}`).join(', ')}`;
  }

  /** Only for plans without an id (the lookup is by key): the rest go through the transaction. */
  run(plan: SavePlan): StoredToken | undefined {
    const key = plan.key;
    if (!key || plan.id !== undefined) return undefined;
    const params: Record<string, string | number | null> = { lookup: hashKey(key.value), sealed: plan.sealedPrefix };
    for (const field of plan.fields) {
      const value = plan.set[field] as string | number | null;
      params[field] = value;
      const kind = KIND_OF_FIELD.get(field);
      if (kind) params[`${kind}Key`] = typeof value === 'string' && value !== '' ? hashKey(value) : null;
    }
    if (plan.expectedVersion !== undefined) params.expectedVersion = plan.expectedVersion;
    return this.#statement(key.kind, plan.fields, plan.expectedVersion !== undefined).get(params) as StoredToken | undefined;
  }

  #statement(kind: LookupKind, fields: readonly DataField[], versioned: boolean): BetterSqlite3.Statement {
    const shape = `${kind}:${versioned ? 'v' : ''}:${fields.join(',')}`;
    let statement = this.#cache.get(shape);
    if (!statement) {
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
      statement = this.#db.prepare(this.#sql(kind, fields, versioned)).safeIntegers(false);
      this.#cache.set(shape, statement);
    }
    return statement;
  }

  #sql(kind: LookupKind, fields: readonly DataField[], versioned: boolean): string {
    const sets = ['version = version + 1'];
    const same: string[] = [];
    for (const field of fields) {
      sets.push(`${FIELD_COLUMNS[field]} = @${field}`);
      same.push(`${FIELD_COLUMNS[field]} IS @${field}`);
      const keyKind = KIND_OF_FIELD.get(field);
      if (keyKind) sets.push(`${KEY_COLUMNS[keyKind]} = @${keyKind}Key`);
    }
    const conditions = [
      `${KEY_COLUMNS[kind]} = @lookup`,
      "substr(coalesce(client_secret, ''), 1, length(@sealed)) <> @sealed",
      `NOT (${same.join(' AND ')})`,
    ];
    if (versioned) conditions.push('version = @expectedVersion');
    return `UPDATE ${this.#table} SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')} RETURNING ${this.#select}`;
  }
}
