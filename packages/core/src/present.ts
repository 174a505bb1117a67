import { inspect } from 'node:util';
import { type OAuthToken, SECRET_FIELDS, type StoredToken } from './token.js';

const REDACTED = '[redacted]';

/** A copy safe to log: credentials replaced by `[redacted]` (empty and null values kept). */
export function redactToken<T extends OAuthToken>(token: T): T {
  const copy = { ...token };
  for (const field of SECRET_FIELDS) {
    if (copy[field]) copy[field] = REDACTED;
  }
  return copy;
}

function inspectRedacted(this: StoredToken, _depth: number, options: object): string {
  return inspect(redactToken(this), options);
}

/**
 * A fresh plain object for the caller. `console.log` and `util.inspect` print it redacted, through
 * a non-enumerable symbol that spreads, JSON and deep-equality checks do not see.
 */
export function presentToken(record: StoredToken): StoredToken {
  const token: StoredToken = {
    id: record.id,
    version: record.version,
    userSignature: record.userSignature,
    clientId: record.clientId,
    clientSecret: record.clientSecret,
    redirectUrl: record.redirectUrl,
    grantToken: record.grantToken,
    refreshToken: record.refreshToken,
    accessToken: record.accessToken,
    expiryTime: record.expiryTime,
    apiDomain: record.apiDomain,
  };
  Object.defineProperty(token, inspect.custom, { value: inspectRedacted });
  return token;
}
