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

/**
 * The fields the scripts read with HMGET, in this order: a positional reply carries no field names
 * and holds no unknown field, about half the strings of HGETALL to convert in Lua and to parse here.
 */
export const READ_FIELDS = ['id', 'version', ...DATA_FIELDS] as const;

/** Where each field is in a positional read. */
export const READ_POSITION: Readonly<Record<(typeof READ_FIELDS)[number], number>> = Object.fromEntries(
  READ_FIELDS.map((field, i) => [field, i]),
) as Record<(typeof READ_FIELDS)[number], number>;

/** The fields as HMGET returns them in {@link READ_FIELDS} order; `null` when the hash holds none of them. */
export function decodeFields(values: readonly (string | null)[]): StoredToken | null {
  const [id, version, userSignature, clientId, clientSecret, redirectUrl, grantToken, refreshToken, accessToken, apiDomain, expiryTime] =
    values;
  if (id == null && values.every((value) => value == null)) return null;
  return tokenOf(
    id ?? undefined,
    version ?? undefined,
    expiryTime ?? undefined,
    userSignature ?? null,
    clientId ?? null,
    clientSecret ?? null,
    redirectUrl ?? null,
    grantToken ?? null,
    refreshToken ?? null,
    accessToken ?? null,
    apiDomain ?? null,
  );
}

/** A hash as HGETALL returns it (a flat array from a script, an object from ioredis); `null` if empty. */
export function decodeToken(raw: readonly string[] | Record<string, string> | null | undefined): StoredToken | null {
  if (!raw) return null;
  // Own enumerable fields only: ioredis' HGETALL object inherits from Object.prototype, and a
  // polluted one (`Object.prototype.userSignature = ...`) must not add fields.
  return fromPairs(Array.isArray(raw) ? raw : pairsOf(raw as Record<string, string>));
}

/**
 * One pass over the pairs into locals, then one object literal: every lookup decodes a hash, and
 * this is several times cheaper than building an intermediate object. Fields it does not know
 * (`idx:*`, anything newer) are skipped; a repeated field keeps its last value.
 */
function fromPairs(pairs: readonly string[]): StoredToken | null {
  if (pairs.length < 2) return null;
  let id: string | undefined;
  let version: string | undefined;
  let expiryTime: string | undefined;
  let userSignature: string | null = null;
  let clientId: string | null = null;
  let clientSecret: string | null = null;
  let redirectUrl: string | null = null;
  let grantToken: string | null = null;
  let refreshToken: string | null = null;
  let accessToken: string | null = null;
  let apiDomain: string | null = null;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const value = pairs[i + 1] as string;
    switch (pairs[i]) {
      case 'id':
        id = value;
        break;
      case 'version':
        version = value;
        break;
      case 'userSignature':
        userSignature = value;
        break;
      case 'clientId':
        clientId = value;
        break;
      case 'clientSecret':
        clientSecret = value;
        break;
      case 'redirectUrl':
        redirectUrl = value;
        break;
      case 'grantToken':
        grantToken = value;
        break;
      case 'refreshToken':
        refreshToken = value;
        break;
      case 'accessToken':
        accessToken = value;
        break;
      case 'expiryTime':
        expiryTime = value;
        break;
      case 'apiDomain':
        apiDomain = value;
        break;
    }
  }
  return tokenOf(
    id,
    version,
    expiryTime,
    userSignature,
    clientId,
    clientSecret,
    redirectUrl,
    grantToken,
    refreshToken,
    accessToken,
    apiDomain,
  );
}

function tokenOf(
  id: string | undefined,
  version: string | undefined,
  expiryTime: string | undefined,
  userSignature: string | null,
  clientId: string | null,
  clientSecret: string | null,
  redirectUrl: string | null,
  grantToken: string | null,
  refreshToken: string | null,
  accessToken: string | null,
  apiDomain: string | null,
): StoredToken {
  if (id === undefined) throw corrupt('a token hash has no id');
  const parsedVersion = parseInteger(version);
  if (parsedVersion === null || parsedVersion < 1) throw corrupt('a token hash has no valid version');
  const parsedExpiry = expiryTime === undefined ? null : parseInteger(expiryTime);
  if (expiryTime !== undefined && parsedExpiry === null) throw corrupt('a token hash has an expiryTime that is not an integer');
  return {
    id,
    version: parsedVersion,
    userSignature,
    clientId,
    clientSecret,
    redirectUrl,
    grantToken,
    refreshToken,
    accessToken,
    expiryTime: parsedExpiry,
    apiDomain,
  };
}

function pairsOf(hash: Record<string, string>): string[] {
  const pairs: string[] = [];
  for (const name of Object.keys(hash)) pairs.push(name, hash[name] as string);
  return pairs;
}

/** 1 to 16 ASCII digits as a safe integer, else null (no regular expression: this runs on every read). */
function parseInteger(text: string | undefined): number | null {
  if (text === undefined || text.length === 0 || text.length > 16) return null;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return null;
  }
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

function corrupt(reason: string): BackendFailure {
  return new BackendFailure('CORRUPT', reason);
}
