import { BackendFailure, DATA_FIELDS, hashedUniqueKeysOf, type StoredToken } from '@tokens/core';
import { KINDS } from './keys.js';

/**
 * A token is one hash: `id`, `version`, each data field by name, and `idx:<kind>` holding the digest
 * of each unique key, which lets the scripts drop a token's index keys without recomputing SHA-256
 * (Redis Lua has none). A null field is left out of the hash; `""` is stored as `""`.
 */
export function encodeToken(record: StoredToken): string[] {
  const fields = ['id', record.id, 'version', String(record.version)];
  for (const field of DATA_FIELDS) {
    const value = record[field];
    if (value !== null) fields.push(field, String(value));
  }
  const hashed = hashedUniqueKeysOf(record);
  for (const kind of KINDS) {
    const digest = hashed[kind];
    if (digest !== null) fields.push(`idx:${kind}`, digest);
  }
  return fields;
}

/** A hash as HGETALL returns it (a flat array from a script, an object from ioredis); `null` if empty. */
export function decodeToken(raw: readonly string[] | Record<string, string> | null | undefined): StoredToken | null {
  // Own fields only, in an object without a prototype: ioredis' HGETALL object inherits from
  // Object.prototype, and a polluted one (`Object.prototype.userSignature = ...`) must not add fields.
  const hash = Array.isArray(raw) ? pairsToObject(raw) : raw ? (Object.assign(Object.create(null), raw) as Record<string, string>) : raw;
  if (!hash || Object.keys(hash).length === 0) return null;
  const { id, version, expiryTime } = hash;
  if (id === undefined) throw corrupt('a token hash has no id');
  const parsedVersion = parseInteger(version);
  if (parsedVersion === null || parsedVersion < 1) throw corrupt('a token hash has no valid version');
  const parsedExpiry = expiryTime === undefined ? null : parseInteger(expiryTime);
  if (expiryTime !== undefined && parsedExpiry === null) throw corrupt('a token hash has an expiryTime that is not an integer');
  return {
    id,
    version: parsedVersion,
    userSignature: hash.userSignature ?? null,
    clientId: hash.clientId ?? null,
    clientSecret: hash.clientSecret ?? null,
    redirectUrl: hash.redirectUrl ?? null,
    grantToken: hash.grantToken ?? null,
    refreshToken: hash.refreshToken ?? null,
    accessToken: hash.accessToken ?? null,
    expiryTime: parsedExpiry,
    apiDomain: hash.apiDomain ?? null,
  };
}

function pairsToObject(pairs: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[pairs[i] as string] = pairs[i + 1] as string;
  return hash;
}

function parseInteger(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

function corrupt(reason: string): BackendFailure {
  return new BackendFailure('CORRUPT', reason);
}
