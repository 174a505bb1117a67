import { types } from 'node:util';
import { DATA_FIELDS, MAX_ID_LENGTH, MAX_VALUE_LENGTH, type OAuthToken, STRING_FIELDS, type StoredToken } from './token.js';

/** A token input after validation: only known fields, `id` and `version` absent unless given. */
export interface CheckedToken extends Omit<OAuthToken, 'id' | 'version'> {
  id?: string;
  version?: number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(['id', 'version', ...DATA_FIELDS]);

/**
 * Returns why the token is unacceptable, or the checked copy. Never echoes a value, and never
 * throws: the input is read once, through its own property descriptors (no getter runs, nothing
 * inherited is seen, a Proxy trap that throws is a refusal), and the copy has no prototype, so a
 * polluted `Object.prototype` cannot add a field to it either.
 */
export function checkToken(input: unknown): CheckedToken | string {
  let source: Record<string, unknown> | string;
  try {
    source = ownDataFields(input);
  } catch {
    return 'the token object cannot be read (a Proxy trap threw, or the Proxy is revoked)';
  }
  if (typeof source === 'string') return source;
  const checked: CheckedToken = Object.create(null);
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

/**
 * The own enumerable data properties of a plain object, in an object without a prototype; or why
 * the input is not one. Class instances are fine (their own fields are read, methods ignored);
 * built-ins whose contents are not own properties (Date, Map, Buffer, boxed values, Promise...)
 * are not tokens.
 */
function ownDataFields(input: unknown): Record<string, unknown> | string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return `expected a token object, got ${describeType(input)}`;
  }
  // The common case, an object literal: no built-in has Object.prototype as its prototype, so only
  // its own keys need a look (one descriptor each, no getter run). Proxies take the long way.
  if (!types.isProxy(input) && Object.getPrototypeOf(input) === Object.prototype) return literalFields(input);
  const builtIn = builtInKind(input);
  if (builtIn) return `expected a plain token object, got ${builtIn}`;
  const descriptors = Object.getOwnPropertyDescriptors(input);
  const fields: Record<string, unknown> = Object.create(null);
  for (const key of Reflect.ownKeys(descriptors)) {
    const descriptor = descriptors[key as keyof typeof descriptors] as PropertyDescriptor;
    // Symbol keys (such as the inspect hook on returned tokens) and hidden properties are not fields.
    if (typeof key === 'symbol' || !descriptor.enumerable) continue;
    if (!KNOWN_FIELDS.has(key)) return `unknown field ${fieldLabel(key)}`;
    if (!('value' in descriptor)) return `field ${key} is a getter or setter, not a data property`;
    fields[key] = descriptor.value;
  }
  return fields;
}

function literalFields(input: object): Record<string, unknown> | string {
  const fields: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) return `unknown field ${fieldLabel(key)}`;
    const descriptor = Object.getOwnPropertyDescriptor(input, key) as PropertyDescriptor;
    if (!('value' in descriptor)) return `field ${key} is a getter or setter, not a data property`;
    fields[key] = descriptor.value;
  }
  return fields;
}

function builtInKind(value: object): string | undefined {
  if (types.isProxy(value)) return undefined;
  if (types.isDate(value)) return 'a Date';
  if (types.isMap(value) || types.isSet(value) || types.isWeakMap(value) || types.isWeakSet(value)) return 'a Map or Set';
  if (types.isArrayBufferView(value) || types.isAnyArrayBuffer(value)) return 'binary data (a Buffer or typed array)';
  if (types.isBoxedPrimitive(value)) return 'a boxed primitive';
  if (types.isPromise(value)) return 'a Promise';
  if (types.isRegExp(value) || types.isNativeError(value)) return 'a RegExp or Error';
  return undefined;
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

export function hasAnyToken(token: Partial<Pick<StoredToken, 'accessToken' | 'refreshToken' | 'grantToken'>>): boolean {
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

/**
 * Field names are not secret, but a stray key may be a pasted token (`{ "1000.abc…": … }`): a
 * name is shown only when it looks like a field name — letters in camelCase or snake_case, at
 * most 24 — which tokens, with their digits, dots and length, do not.
 */
function fieldLabel(key: string): string {
  return /^[a-z][a-zA-Z]{0,23}$|^[a-z]{1,24}(?:_[a-z]{1,24}){1,4}$/.test(key) && key.length <= 40
    ? `"${key}"`
    : '(its name is not shown: it does not look like a field name, and may be a pasted token)';
}
