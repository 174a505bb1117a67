import * as crypto from 'node:crypto';
import type { LookupKind } from './lookup.js';
import type { StoredToken } from './token.js';

/** The unique keys of a stored token; `null` where the field is null or empty (absent). */
export type UniqueKeys = Record<LookupKind, string | null>;

export function uniqueKeysOf(token: StoredToken): UniqueKeys {
  return {
    user: token.userSignature || null,
    access: token.accessToken || null,
    refresh: token.refreshToken || null,
    grant: token.grantToken || null,
  };
}

// crypto.hash (Node 20.12+) skips the Hash object: half the cost of createHash on every lookup.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/**
 * A fixed-length (43 characters, base64url of SHA-256), case-sensitive stand-in for a key value:
 * index columns stay short whatever the token length, and matching is exact on every database.
 */
export function hashKey(value: string): string {
  return oneShotHash ? oneShotHash('sha256', value, 'base64url') : crypto.createHash('sha256').update(value, 'utf8').digest('base64url');
}

export function hashedUniqueKeysOf(token: StoredToken): UniqueKeys {
  const keys = uniqueKeysOf(token);
  return {
    user: keys.user === null ? null : hashKey(keys.user),
    access: keys.access === null ? null : hashKey(keys.access),
    refresh: keys.refresh === null ? null : hashKey(keys.refresh),
    grant: keys.grant === null ? null : hashKey(keys.grant),
  };
}
