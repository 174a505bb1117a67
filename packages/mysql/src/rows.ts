import { BackendFailure, hashedUniqueKeysOf, type StoredToken } from '@tokens/core';

export type SqlValue = string | number | null;

export interface TokenRow {
  id: Buffer | string;
  version: number | string;
  user_signature: string | null;
  client_id: string | null;
  client_secret: string | null;
  redirect_url: string | null;
  grant_token: string | null;
  refresh_token: string | null;
  access_token: string | null;
  expiry_time: number | string | bigint | null;
  api_domain: string | null;
}

/** Values in the order of WRITE_COLUMNS. */
export function writeValues(record: StoredToken): SqlValue[] {
  const keys = hashedUniqueKeysOf(record);
  return [
    record.id,
    record.version,
    keys.user,
    keys.access,
    keys.refresh,
    keys.grant,
    record.userSignature,
    record.clientId,
    record.clientSecret,
    record.redirectUrl,
    record.grantToken,
    record.refreshToken,
    record.accessToken,
    record.expiryTime,
    record.apiDomain,
  ];
}

/** The user's own pool may return BIGINT as a string or a bigint: accept any, as long as it is exact. */
function toSafeInteger(value: number | string | bigint, column: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new BackendFailure('CORRUPT', `column ${column} holds a value that is not a safe integer`);
  return number;
}

export function fromRow(row: TokenRow): StoredToken {
  return {
    id: Buffer.isBuffer(row.id) ? row.id.toString('utf8') : row.id,
    version: toSafeInteger(row.version, 'version'),
    userSignature: row.user_signature,
    clientId: row.client_id,
    clientSecret: row.client_secret,
    redirectUrl: row.redirect_url,
    grantToken: row.grant_token,
    refreshToken: row.refresh_token,
    accessToken: row.access_token,
    expiryTime: row.expiry_time === null ? null : toSafeInteger(row.expiry_time, 'expiry_time'),
    apiDomain: row.api_domain,
  };
}
