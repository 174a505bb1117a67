import { DATA_FIELDS, MAX_ID_LENGTH, MAX_VALUE_LENGTH, type OAuthToken, STRING_FIELDS, type StoredToken } from './token.js';

/** A token input after validation: only known fields, `id` and `version` absent unless given. */
export interface CheckedToken extends Omit<OAuthToken, 'id' | 'version'> {
  id?: string;
  version?: number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(['id', 'version', ...DATA_FIELDS]);

/** Returns why the token is unacceptable, or the checked copy. Never echoes a value. */
export function checkToken(input: unknown): CheckedToken | string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return `expected a token object, got ${describeType(input)}`;
  }
  const source = input as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (!KNOWN_FIELDS.has(key)) return `unknown field "${safeName(key)}"`;
  }
  const checked: CheckedToken = {};
  for (const field of STRING_FIELDS) {
    const value = source[field];
    if (value === undefined) continue;
    if (value !== null) {
      const problem = checkString(value);
      if (problem) return `${field} ${problem}`;
    }
    checked[field] = value as string | null;
  }
  const expiry = source.expiryTime;
  if (expiry !== undefined) {
    if (expiry !== null && !(Number.isSafeInteger(expiry) && (expiry as number) >= 0)) {
      return `expiryTime must be a non-negative integer (ms since the epoch) or null, got ${describeType(expiry)}`;
    }
    checked.expiryTime = expiry as number | null;
  }
  if (source.id !== undefined && source.id !== null) {
    const problem = checkId(source.id);
    if (problem) return problem;
    checked.id = source.id as string;
  }
  const version = source.version;
  if (version !== undefined && version !== null) {
    if (!(Number.isSafeInteger(version) && (version as number) >= 1)) {
      return `version must be a positive integer, got ${describeType(version)}`;
    }
    checked.version = version as number;
  }
  return checked;
}

export function checkId(id: unknown): string | undefined {
  if (typeof id !== 'string') return `id must be a string, got ${describeType(id)}`;
  if (id.length === 0) return 'id must not be empty';
  if (id.length > MAX_ID_LENGTH) return `id is longer than ${MAX_ID_LENGTH} characters`;
  if (!id.isWellFormed()) return 'id contains a lone surrogate (not valid Unicode)';
  return undefined;
}

function checkString(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string or null, got ${describeType(value)}`;
  if (value.length > MAX_VALUE_LENGTH) return `is longer than ${MAX_VALUE_LENGTH} characters`;
  // A lone surrogate cannot be encoded as UTF-8: databases would silently replace it.
  if (!value.isWellFormed()) return 'contains a lone surrogate (not valid Unicode)';
  return undefined;
}

export function hasAnyToken(token: Pick<StoredToken, 'accessToken' | 'refreshToken' | 'grantToken'>): boolean {
  return Boolean(token.accessToken || token.refreshToken || token.grantToken);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    if (!Number.isInteger(value)) return 'a fraction';
    if (value < 0) return 'a negative number';
    return Number.isSafeInteger(value) ? 'a number' : 'an unsafe integer';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Field names are not secret, but a stray key could be a pasted token: show only a short, plain one. */
function safeName(key: string): string {
  return /^[A-Za-z_$][\w$]{0,39}$/.test(key) ? key : '<unprintable name>';
}
