import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type TokenStoreErrorCode } from '../errors.js';
import type { TokenStore } from '../store.js';
import type { OAuthToken, StoredToken } from '../token.js';
import type { CaseContext } from './types.js';

export { assert };

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** A complete token as a Zoho SDK would save it after the first grant exchange. */
export function sampleToken(overrides: OAuthToken = {}): OAuthToken {
  return {
    userSignature: `${unique('user')}@example.com`,
    clientId: '1000.CLIENTID',
    clientSecret: unique('client-secret'),
    redirectUrl: 'https://app.example.com/oauth/callback',
    refreshToken: unique('1000.refresh'),
    accessToken: unique('1000.access'),
    expiryTime: Date.now() + 3_600_000,
    apiDomain: 'https://www.zohoapis.com',
    ...overrides,
  };
}

/** Resolves to the thrown error, failing if the promise resolves or throws the wrong error. */
export async function expectStoreError(promise: Promise<unknown>, code: TokenStoreErrorCode, what: string): Promise<Error> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    assert.ok(isTokenStoreError(error, code), `${what}: expected a TokenStoreError with code ${code}, got ${describe(error)}`);
    return error as Error;
  }
  assert.fail(`${what}: expected a TokenStoreError with code ${code}, but it succeeded with ${describe(outcome)}`);
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${code === undefined ? '' : ` (${String(code)})`}: ${value.message}`;
  }
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Tokens of the store, sorted by id, as plain data: compares two states of a namespace. */
export async function snapshot(store: TokenStore): Promise<StoredToken[]> {
  const tokens = await store.getTokens();
  return tokens.map((token) => ({ ...token })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Everything observable about a namespace: its tokens and, where the target gives it, the raw records. */
export async function observe(context: CaseContext, withRaw: boolean): Promise<unknown> {
  const tokens = await snapshot(context.store);
  if (!withRaw) return tokens;
  const raw = await context.raw();
  return { tokens, rawCount: raw.length };
}

/** Compares a token with what was saved, field by field, ignoring id and version. */
export function assertSameData(actual: StoredToken | null, expected: OAuthToken, what: string): void {
  assert.ok(actual, `${what}: expected a token, got null`);
  for (const [field, value] of Object.entries(expected)) {
    if (field === 'id' || field === 'version' || value === undefined) continue;
    assert.deepEqual(actual[field as keyof StoredToken], value, `${what}: field ${field} does not round-trip`);
  }
}

/** Every string anywhere inside a raw record, for checking that a value landed verbatim. */
export function stringsIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') found.add(value);
  else if (Buffer.isBuffer(value)) found.add(value.toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) stringsIn(item, found);
  return found;
}
