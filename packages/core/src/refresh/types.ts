import type { OAuthToken, StoredToken } from '../token.js';

/** What a refresh function returns: the provider's new access token and, if it rotates, refresh token. */
export interface RefreshResult {
  accessToken: string;
  /** Absolute expiry of the new access token, ms since the epoch. */
  expiryTime: number;
  /** A rotated refresh token; `undefined` or `null` keep the stored one (a refresh never erases it). */
  refreshToken?: string | null;
  /** The API host the provider names in its answer (Zoho's `api_domain`); `undefined`/`null` keep the stored one. */
  apiDomain?: string | null;
}

export interface RefreshContext {
  /** Aborts when this attempt must end: its lease is running out, or the attempt timed out. */
  signal: AbortSignal;
}

/**
 * Asks the provider for a new access token. Throw a `RefreshFailure` to say what went wrong
 * (`invalid_grant`, `throttled`, …); any other error counts as retryable.
 */
export type RefreshFunction = (token: StoredToken, context: RefreshContext) => Promise<RefreshResult>;

export interface TokenRefresherOptions {
  refresh: RefreshFunction;
  /** An access token counts as valid while it has at least this long left (default 60,000 ms). */
  refreshAheadMs?: number;
  /**
   * How long a refresh lease holds (default 30,000 ms): the longest a crashed refresher blocks
   * others, and the longest one refresh (all its retries) may take. Keep it well above the
   * provider's response time and the clock skew between your machines.
   */
  leaseMs?: number;
  /** How long a caller waits for another process's refresh before `REFRESH_FAILED` (default `leaseMs` + 10,000 ms). */
  waitMs?: number;
  /** Retries of a retryable or throttled failure, after the first attempt (default 3). */
  retries?: number;
  /** Base of the exponential backoff between retries (default 250 ms, at most 8× that). */
  retryDelayMs?: number;
  /** Base of the backoff after a throttled answer (default 5,000 ms). */
  throttleDelayMs?: number;
  /**
   * What happens to the stored token when the provider answers `invalid_grant` (default `'keep'`:
   * it stays as it was, so an operator can look and a new login overwrites it; `'delete'` removes it).
   */
  onInvalidGrant?: 'keep' | 'delete';
}

export interface TokenRefresher {
  /**
   * The stored token matching `partial` (the same lookup as `findToken`), refreshed first if its
   * access token has less than `refreshAheadMs` left. Throws `INVALID_TOKEN` when nothing matches.
   */
  getAccessToken(partial: OAuthToken): Promise<StoredToken>;
  /**
   * Refreshes now, e.g. after the API rejected the access token. Give the rejected `accessToken`
   * next to the `userSignature`: if it was replaced meanwhile, the new one comes back with no
   * request. Concurrent callers share one refresh, as with `getAccessToken`.
   */
  refresh(partial: OAuthToken): Promise<StoredToken>;
}
