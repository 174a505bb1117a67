import { sanitizeCause } from './sanitize.js';

export const ERROR_CODES = [
  'INVALID_TOKEN',
  'CONFLICT',
  'UNAVAILABLE',
  'CORRUPT',
  'CLOSED',
  'INVALID_OPTIONS',
  'INVALID_GRANT',
  'REFRESH_FAILED',
  'KEY_UNAVAILABLE',
] as const;

/**
 * - `INVALID_TOKEN`: the argument is not acceptable; nothing was written.
 * - `CONFLICT`: a compare-and-set or uniqueness rule refused the save; nothing was written.
 * - `UNAVAILABLE`: the backend is down, timed out or refused the operation.
 * - `CORRUPT`: stored data cannot be read; it was left as it was.
 * - `CLOSED`: the store was closed.
 * - `INVALID_OPTIONS`: a store was created with options it cannot use (a bad namespace, say).
 * - `INVALID_GRANT`: the OAuth provider refused the refresh token (revoked, expired, or issued to
 *   another client): a new login is needed. Never retried. The stored token was left as it was
 *   (unless the refresher was created with `onInvalidGrant: 'delete'`).
 * - `REFRESH_FAILED`: a refresh could not be completed: network errors, timeouts, 5xx answers or
 *   throttling persisted through the bounded retries, the provider refused the client, or another
 *   process's refresh was not seen within `waitMs`. The stored token was left as it was.
 * - `KEY_UNAVAILABLE`: a stored record is encrypted under a key this store does not have (the
 *   message names the key id, never the key), or the store has no encryption configured at all.
 */
export type TokenStoreErrorCode = (typeof ERROR_CODES)[number];

export interface TokenStoreErrorInit {
  code: TokenStoreErrorCode;
  backend: string;
  operation: string;
  /** Why, in words; must never contain a token, secret or password. */
  reason: string;
  /**
   * What went wrong underneath. Kept as a sanitized copy (see `SanitizedError`): name, codes and
   * stack frames, never the driver's arguments, SQL or replies, and its message only when it
   * cannot be quoting a value.
   */
  cause?: unknown;
}

const BRAND = Symbol.for('@tokens/core:TokenStoreError');
const FAILURE_BRAND = Symbol.for('@tokens/core:BackendFailure');

/**
 * The one error every store throws. Message: `@tokens/<backend>: <operation>: <reason>`. Its
 * `cause` is a sanitized copy of the underlying error, so logging it at any depth, or as JSON,
 * reveals no token, secret or password.
 */
export class TokenStoreError extends Error {
  /** `instanceof` holds across copies of this package (ESM and CJS builds loaded side by side). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  declare readonly [BRAND]: true;
  readonly code: TokenStoreErrorCode;
  readonly backend: string;
  readonly operation: string;
  readonly reason: string;

  constructor(init: TokenStoreErrorInit) {
    super(
      `@tokens/${init.backend}: ${init.operation}: ${init.reason}`,
      init.cause === undefined ? undefined : { cause: sanitizeCause(init.cause) },
    );
    this.name = 'TokenStoreError';
    this.code = init.code;
    this.backend = init.backend;
    this.operation = init.operation;
    this.reason = init.reason;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isTokenStoreError(error: unknown, code?: TokenStoreErrorCode): error is TokenStoreError {
  return error instanceof TokenStoreError && (code === undefined || error.code === code);
}

/**
 * What a backend throws when it knows what went wrong (a corrupt file, a timeout). The store
 * turns it into a {@link TokenStoreError} named after the public operation that was running.
 */
export class BackendFailure extends Error {
  readonly code: TokenStoreErrorCode;

  constructor(code: TokenStoreErrorCode, reason: string, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause });
    this.name = 'BackendFailure';
    this.code = code;
    Object.defineProperty(this, FAILURE_BRAND, { value: true });
  }
}
