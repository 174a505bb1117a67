import type { DataField, SaveOutcome, SavePlan, StoredToken } from '@tokens/core';
import { BackendFailure, DATA_FIELDS, hashKey, LOOKUP_FIELD } from '@tokens/core';
import type { Params } from './executor.js';
import { fromRow, type TokenRow } from './rows.js';
import { KIND_CODE, STATUS } from './save-procedure.js';

/** Bit i of `p_given` is `DATA_FIELDS[i]`. */
const BIT = Object.fromEntries(DATA_FIELDS.map((field, index) => [field, 1 << index])) as Record<DataField, number>;

const INDEX = Object.fromEntries(DATA_FIELDS.map((field, index) => [field, index])) as Record<DataField, number>;

/** The slot of each field with a unique hashed key column, in the CALL's order (user, access, refresh, grant). */
const KEY_SLOT = new Map<DataField, number>([
  ['userSignature', 0],
  ['accessToken', 1],
  ['refreshToken', 2],
  ['grantToken', 3],
]);

const hashOf = (value: string | number | null | undefined): string | null =>
  typeof value === 'string' && value !== '' ? hashKey(value) : null;

/**
 * The CALL's values (see PARAMS in save-procedure.ts), or `undefined` for a plan the procedure
 * does not take: the lookup value is always one of the fields given (core's lookup rules pick it
 * from them), so the procedure checks the stored value against that field; any other plan goes
 * the read + write way.
 */
export function callValues(plan: SavePlan): Params | undefined {
  const { set, key } = plan;
  // Own properties only: `set` is a plain object, and with a polluted Object.prototype core's
  // `fields` lists an inherited `userSignature` too (fieldsOf reads `set[field]`).
  const values: (string | number | null)[] = DATA_FIELDS.map(() => null);
  const hashes: (string | null)[] = [null, null, null, null];
  let mask = 0;
  for (const field of plan.fields) {
    if (!Object.hasOwn(set, field)) continue;
    const value = set[field] ?? null;
    mask |= BIT[field];
    values[INDEX[field]] = value;
    const slot = KEY_SLOT.get(field);
    if (slot !== undefined) hashes[slot] = hashOf(value);
  }
  let keyHash: string | null = null;
  if (key) {
    const field = LOOKUP_FIELD[key.kind];
    if (!(mask & BIT[field]) || values[INDEX[field]] !== key.value) return undefined;
    keyHash = hashes[KEY_SLOT.get(field) as number] ?? null;
  }
  return [
    plan.id ?? null,
    key ? KIND_CODE[key.kind] : 0,
    keyHash,
    plan.expectedVersion ?? null,
    plan.insert?.id ?? null,
    mask,
    plan.sealedPrefix,
    ...hashes,
    ...values,
  ];
}

export type SaveRow = Partial<TokenRow> & { status: number; inserting?: number | string };

/** The procedure's one result row as core's outcome. */
export function outcomeOf(plan: SavePlan, rows: SaveRow[]): SaveOutcome {
  const row = rows[0];
  switch (row ? Number(row.status) : undefined) {
    case STATUS.inserted:
      return { status: 'inserted', record: plan.insert as StoredToken };
    case STATUS.missing:
      return { status: 'missing' };
    case STATUS.sealed:
      return { status: 'sealed', record: fromRow(row as TokenRow) };
    case STATUS.stale:
      return { status: 'stale', version: Number(row?.version) };
    case STATUS.duplicate:
      return { status: 'duplicate', inserting: Number(row?.inserting) === 1 };
    case STATUS.unchanged:
      return { status: 'unchanged', record: withGiven(plan, row as TokenRow) };
    case STATUS.updated:
      return { status: 'updated', record: withGiven(plan, row as TokenRow) };
    case STATUS.retry:
      return { status: 'retry' };
    default:
      throw new BackendFailure('UNAVAILABLE', 'the save procedure answered with no known status');
  }
}

/** The procedure sends the kept fields only; the given ones are the plan's (equal when unchanged). */
function withGiven(plan: SavePlan, row: TokenRow): StoredToken {
  const record = fromRow(row);
  for (const field of plan.fields) {
    if (Object.hasOwn(plan.set, field)) (record as unknown as Record<DataField, unknown>)[field] = plan.set[field];
  }
  return record;
}
