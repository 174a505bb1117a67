import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BackendFailure, hashKey, type LookupKind, STRING_FIELDS, type StoredToken } from '@tokens/core';

export type Item = Record<string, AttributeValue>;

/** DynamoDB's limit on one item, names and values included (400 KB). */
export const MAX_ITEM_BYTES = 400 * 1024;

export const TOKEN_PREFIX = 't#';
export const KEY_PREFIX = 'k#';

/**
 * Every item of a namespace lives in one partition (`pk` = the namespace), so listing and clearing
 * are a strongly consistent Query on it, never a Scan. Sort keys: `t#<id>` for a token,
 * `k#<kind>#<sha256 base64url of the value>` for a unique key (it holds the token's id).
 */
export class ItemKeys {
  readonly partition: string;

  constructor(namespace: string) {
    this.partition = namespace;
  }

  token(id: string): Item {
    return { pk: { S: this.partition }, sk: { S: `${TOKEN_PREFIX}${id}` } };
  }

  key(kind: LookupKind, value: string): Item {
    return { pk: { S: this.partition }, sk: { S: `${KEY_PREFIX}${kind}#${hashKey(value)}` } };
  }
}

/**
 * A token item: the keys, then `id`, `version` and every field under its own name. A null field
 * is left out; "" is stored as "" (DynamoDB accepts empty strings outside keys).
 */
export function encodeToken(keys: ItemKeys, record: StoredToken): Item {
  const item: Item = { ...keys.token(record.id), id: { S: record.id }, version: { N: String(record.version) } };
  for (const field of STRING_FIELDS) {
    const value = record[field];
    if (value !== null) item[field] = { S: value };
  }
  if (record.expiryTime !== null) item.expiryTime = { N: String(record.expiryTime) };
  const bytes = itemBytes(item);
  if (bytes > MAX_ITEM_BYTES) {
    throw new BackendFailure(
      'INVALID_TOKEN',
      `the token takes ${bytes} bytes as a DynamoDB item; an item holds at most ${MAX_ITEM_BYTES} bytes (400 KB)`,
    );
  }
  return item;
}

/** Own properties only: a polluted `Object.prototype` must not fill in a field the item lacks. */
function own<T>(object: Record<string, T> | undefined, name: string): T | undefined {
  return object !== undefined && Object.hasOwn(object, name) ? object[name] : undefined;
}

function stringOf(attribute: AttributeValue | undefined): string | null | undefined {
  const value = attribute as Record<string, unknown> | undefined;
  if (value === undefined || own(value, 'NULL') === true) return null;
  const text = own(value, 'S');
  return typeof text === 'string' ? text : undefined;
}

function numberOf(attribute: AttributeValue | undefined): number | null | undefined {
  const value = attribute as Record<string, unknown> | undefined;
  if (value === undefined || own(value, 'NULL') === true) return null;
  const text = own(value, 'N');
  return typeof text === 'string' ? Number(text) : undefined;
}

export function decodeToken(item: Item): StoredToken {
  const id = stringOf(own(item, 'id'));
  if (typeof id !== 'string') throw corrupt('a token item has no id');
  const version = numberOf(own(item, 'version'));
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw corrupt('a token item has no valid version');
  const record = { id, version } as StoredToken;
  for (const field of STRING_FIELDS) {
    const value = stringOf(own(item, field));
    if (value === undefined) throw corrupt(`a token item has a non-string ${field}`);
    record[field] = value;
  }
  const expiry = numberOf(own(item, 'expiryTime'));
  if (expiry === undefined || (expiry !== null && !Number.isSafeInteger(expiry)))
    throw corrupt('a token item has a non-integer expiryTime');
  record.expiryTime = expiry;
  return record;
}

/** The token id a key item points at (own property only), or undefined. */
export function holderIdOf(item: Item): string | undefined {
  const id = stringOf(own(item, 'id'));
  return typeof id === 'string' ? id : undefined;
}

/**
 * The size DynamoDB bills and limits: UTF-8 bytes of every attribute name and string value;
 * a number counts at most 21 bytes (its documented upper bound), so this never undercounts.
 */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S, 'utf8');
    else if (value.N !== undefined) bytes += 21;
    else bytes += 1;
  }
  return bytes;
}

function corrupt(reason: string): BackendFailure {
  return new BackendFailure('CORRUPT', reason);
}
