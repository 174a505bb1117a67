/**
 * How a refresh attempt failed, as a `refresh` function reports it to the refresher:
 * - `invalid_grant`: the provider refused the refresh token; never retried (→ `INVALID_GRANT`);
 * - `retryable`: network error, timeout, 5xx; retried with backoff (→ `REFRESH_FAILED` at the end);
 * - `throttled`: the provider asks to slow down; retried with a longer backoff;
 * - `fatal`: retrying cannot help (a refused client, a malformed answer); → `REFRESH_FAILED` now.
 */
export type RefreshFailureKind = 'invalid_grant' | 'retryable' | 'throttled' | 'fatal';

const BRAND = Symbol.for('@tokens/core:RefreshFailure');

/**
 * Thrown by `refresh` functions to classify a failure. The message must be safe to show: no token,
 * client secret or response body that could echo one. Any other error a `refresh` function throws
 * counts as `retryable`.
 */
export class RefreshFailure extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  declare readonly [BRAND]: true;
  readonly kind: RefreshFailureKind;
  /** The provider's wish (a `Retry-After` header), in ms; the refresher waits at least this long. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(kind: RefreshFailureKind, message: string, init: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RefreshFailure';
    this.kind = kind;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true });
  }
}
