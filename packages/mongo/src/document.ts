import { BackendFailure, hashedUniqueKeysOf, type LookupKind, STRING_FIELDS, type StoredToken } from '@tokens/core';

/** Index holding `hashKey(value)` of each unique key, by lookup kind. */
export const KEY_FIELDS: Record<LookupKind, string> = {
  user: 'k.user',
  access: 'k.access',
  refresh: 'k.refresh',
  grant: 'k.grant',
};

/**
 * One token per document: `_id` is the token id, the data fields keep their names (null stays
 * null, "" stays ""), and `k` holds the hashed unique keys. An absent key is left out of `k`
 * entirely, never stored as null: see the README for why that makes the unique indexes safe on
 * both MongoDB and FerretDB.
 */
export interface TokenDocument extends Omit<StoredToken, 'id'> {
  _id: string;
  k: Partial<Record<LookupKind, string>>;
}

export function toDocument(record: StoredToken): TokenDocument {
  const hashed = hashedUniqueKeysOf(record);
  const k: Partial<Record<LookupKind, string>> = {};
  for (const kind of Object.keys(KEY_FIELDS) as LookupKind[]) {
    const value = hashed[kind];
    if (value !== null) k[kind] = value;
  }
  const { id, ...data } = record;
  return { _id: id, ...data, k };
}

/** Reads a stored document back; anything not shaped like one of ours is CORRUPT, never guessed at. */
export function fromDocument(document: Record<string, unknown>): StoredToken {
  // Own fields only: a missing field must read as null even under a polluted Object.prototype.
  const own = (name: string): unknown => (Object.hasOwn(document, name) ? document[name] : undefined);
  const id = own('_id');
  if (typeof id !== 'string') throw corrupt('a document has a non-string _id');
  const version = asNumber(own('version'));
  if (version === null || !Number.isSafeInteger(version) || version < 1) throw corrupt('a document has no valid version');
  const record = { id, version } as StoredToken;
  for (const field of STRING_FIELDS) {
    const value = own(field);
    if (value === undefined || value === null) record[field] = null;
    else if (typeof value === 'string') record[field] = value;
    else throw corrupt(`a document has a non-string ${field}`);
  }
  const expiry = own('expiryTime');
  if (expiry === undefined || expiry === null) record.expiryTime = null;
  else {
    const value = asNumber(expiry);
    if (value === null || !Number.isSafeInteger(value)) throw corrupt('a document has a non-integer expiryTime');
    record.expiryTime = value;
  }
  return record;
}

/** The driver hands back Int32/double as numbers, but other types as bigint, Long, Int32 or Double objects under some client options. */
function asNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const bsonType = value && typeof value === 'object' ? (value as { _bsontype?: unknown })._bsontype : undefined;
  if (bsonType === 'Long') return (value as { toNumber(): number }).toNumber();
  if (bsonType === 'Int32' || bsonType === 'Double') return (value as { valueOf(): number }).valueOf();
  return null;
}

function corrupt(reason: string): BackendFailure {
  return new BackendFailure('CORRUPT', reason);
}
