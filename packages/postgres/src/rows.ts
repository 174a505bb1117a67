import { isUtf8 } from 'node:buffer';
import { BackendFailure, hashedUniqueKeysOf, type StoredToken } from '@tokens/core';

/** A parameter; an array travels as a PostgreSQL array literal (insert-many.ts sends one per column). */
export type SqlValue = Buffer | string | number | null | SqlValue[];

/** A row of READ_COLUMNS as PostgreSQL's text format sends it (no pg type parsers involved). */
export type TokenRow = (string | null)[];

function bytes(value: string | null): Buffer | null {
  return value === null ? null : Buffer.from(value, 'utf8');
}

/** Values in the order of WRITE_COLUMNS; Buffers travel as binary parameters (bytea). */
export function writeValues(record: StoredToken): SqlValue[] {
  const keys = hashedUniqueKeysOf(record);
  return [
    Buffer.from(record.id, 'utf8'),
    record.version,
    keys.user,
    keys.access,
    keys.refresh,
    keys.grant,
    bytes(record.userSignature),
    bytes(record.clientId),
    bytes(record.clientSecret),
    bytes(record.redirectUrl),
    bytes(record.grantToken),
    bytes(record.refreshToken),
    bytes(record.accessToken),
    record.expiryTime,
    bytes(record.apiDomain),
  ];
}

/** bytea in text format: `\x` + hex (the default bytea_output), or the older escape format. */
function byteaToBuffer(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const out: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char !== 0x5c) {
      out.push(char);
    } else if (text[index + 1] === '\\') {
      out.push(0x5c);
      index++;
    } else {
      out.push(Number.parseInt(text.slice(index + 1, index + 4), 8));
      index += 3;
    }
  }
  return Buffer.from(out);
}

function text(value: string | null | undefined, column: string): string | null {
  if (value === null || value === undefined) return null;
  const buffer = byteaToBuffer(value);
  // Not written by this package (a hand edit, another encoding): refuse rather than replace bytes with U+FFFD.
  if (!isUtf8(buffer)) throw new BackendFailure('CORRUPT', `column ${column} holds bytes that are not UTF-8`);
  return buffer.toString('utf8');
}

function integer(value: string | null | undefined, column: string): number {
  const number = Number(value);
  if (value === null || value === undefined || !Number.isSafeInteger(number)) {
    throw new BackendFailure('CORRUPT', `column ${column} holds a value that is not a safe integer`);
  }
  return number;
}

/** A row in READ_COLUMNS order. */
export function fromRow(row: TokenRow): StoredToken {
  return {
    id: text(row[0], 'id') ?? '',
    version: integer(row[1], 'version'),
    userSignature: text(row[2], 'user_signature'),
    clientId: text(row[3], 'client_id'),
    clientSecret: text(row[4], 'client_secret'),
    redirectUrl: text(row[5], 'redirect_url'),
    grantToken: text(row[6], 'grant_token'),
    refreshToken: text(row[7], 'refresh_token'),
    accessToken: text(row[8], 'access_token'),
    expiryTime: row[9] === null || row[9] === undefined ? null : integer(row[9], 'expiry_time'),
    apiDomain: text(row[10], 'api_domain'),
  };
}
