import { BackendFailure, NAMESPACE_PATTERN, STRING_FIELDS, type StoredToken } from '@tokens/core';

/**
 * The file is a journal of JSON lines: a header line, then one entry per line. A line counts only
 * once its "\n" is on disk, so a write torn by a crash is a fragment without one: readers skip it
 * and the next writer truncates it away.
 */
export const FORMAT = '@tokens/file';
export const FORMAT_VERSION = 1;

export type Entry = { op: 'put'; ns: string; token: StoredToken } | { op: 'delete'; ns: string; id: string } | { op: 'clear'; ns: string };

export const HEADER_LINE = `${JSON.stringify({ format: FORMAT, version: FORMAT_VERSION })}\n`;

const TOKEN_KEYS = new Set(['id', 'version', 'expiryTime', ...STRING_FIELDS]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeEntry(entry: Entry): string {
  if (entry.op !== 'put') return `${JSON.stringify(entry)}\n`;
  const t = entry.token;
  // Fixed field order and only known fields, whatever object the store handed over.
  const token = {
    id: t.id,
    version: t.version,
    userSignature: t.userSignature,
    clientId: t.clientId,
    clientSecret: t.clientSecret,
    redirectUrl: t.redirectUrl,
    grantToken: t.grantToken,
    refreshToken: t.refreshToken,
    accessToken: t.accessToken,
    expiryTime: t.expiryTime,
    apiDomain: t.apiDomain,
  };
  return `${JSON.stringify({ op: 'put', ns: entry.ns, token })}\n`;
}

/** Reasons name the file and line, never the content (which holds secrets). */
export function corrupt(path: string, line: number, why: string): BackendFailure {
  return new BackendFailure('CORRUPT', `${path} line ${line}: ${why}; the file was left as it is`);
}

function parseJson(bytes: Uint8Array, path: string, line: number): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw corrupt(path, line, 'not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(path, line, 'not valid JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseHeader(bytes: Uint8Array, path: string): void {
  const value = parseJson(bytes, path, 1);
  if (!isObject(value) || value.format !== FORMAT) throw corrupt(path, 1, `not a ${FORMAT} journal (no header)`);
  if (value.version !== FORMAT_VERSION) {
    throw corrupt(path, 1, `format version ${String(value.version)} is not supported (this release reads ${FORMAT_VERSION})`);
  }
}

export function parseEntry(bytes: Uint8Array, path: string, line: number): Entry {
  const value = parseJson(bytes, path, line);
  if (!isObject(value) || typeof value.ns !== 'string' || !NAMESPACE_PATTERN.test(value.ns)) {
    throw corrupt(path, line, 'not a journal entry');
  }
  if (value.op === 'clear' && Object.keys(value).length === 2) return { op: 'clear', ns: value.ns };
  if (value.op === 'delete' && isId(value.id) && Object.keys(value).length === 3) return { op: 'delete', ns: value.ns, id: value.id };
  if (value.op === 'put' && isToken(value.token) && Object.keys(value).length === 3) return { op: 'put', ns: value.ns, token: value.token };
  throw corrupt(path, line, 'not a valid journal entry');
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isToken(value: unknown): value is StoredToken {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== TOKEN_KEYS.size || !keys.every((key) => TOKEN_KEYS.has(key))) return false;
  if (!isId(value.id) || !Number.isSafeInteger(value.version) || (value.version as number) < 1) return false;
  if (value.expiryTime !== null && !Number.isSafeInteger(value.expiryTime)) return false;
  return STRING_FIELDS.every((key) => value[key] === null || typeof value[key] === 'string');
}
