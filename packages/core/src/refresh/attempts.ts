import { isTokenStoreError, TokenStoreError } from '../errors.js';
import { presentToken } from '../present.js';
import type { StoredToken } from '../token.js';
import { backoffDelay, sleep } from './delay.js';
import { RefreshFailure, type RefreshFailureKind } from './failure.js';
import type { RefreshSettings } from './settings.js';
import type { RefreshResult } from './types.js';

export type RefreshOperation = 'getAccessToken' | 'refresh';

/**
 * Calls the refresh function until it succeeds, retrying retryable and throttled failures with
 * backoff, and never past `deadline` (the end of the lease): a refresh that finished after the
 * lease ran out could race another process's refresh of the same refresh token.
 */
export async function refreshWithRetries(
  settings: RefreshSettings,
  token: StoredToken,
  deadline: number,
  operation: RefreshOperation,
): Promise<RefreshResult> {
  let last: RefreshFailure | undefined;
  let attempts = 0;
  for (;;) {
    // A store so slow that the lease ran out before the first request: nothing was sent, so the
    // caller may take a new lease and try again.
    if (attempts === 0 && Date.now() >= deadline) throw new LeaseRanOut();
    attempts++;
    const failure = await attempt(settings, token, deadline);
    if (!(failure instanceof RefreshFailure)) return failure;
    last = failure;
    if (failure.kind === 'invalid_grant') {
      throw refreshError(
        'INVALID_GRANT',
        operation,
        `the provider refused the refresh token (${failure.message}); a new login is needed`,
        failure,
      );
    }
    if (failure.kind === 'fatal' || attempts > settings.retries) break;
    const base = failure.kind === 'throttled' ? settings.throttleDelayMs : settings.retryDelayMs;
    const wait = Math.max(backoffDelay(attempts, base, base * 8), failure.retryAfterMs ?? 0);
    if (Date.now() + wait >= deadline) break;
    await sleep(wait);
  }
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return Promise.reject(refreshError('REFRESH_FAILED', operation, `${last.message} (${tries})`, last));
}

/** Thrown when a lease ended before its first request was sent. */
export class LeaseRanOut extends Error {
  constructor() {
    super('the refresh lease ran out before the refresh started');
    this.name = 'LeaseRanOut';
  }
}

/** One call of the refresh function; its failure, classified, instead of a throw. */
async function attempt(settings: RefreshSettings, token: StoredToken, deadline: number): Promise<RefreshResult | RefreshFailure> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return new RefreshFailure('fatal', 'no time left under the refresh lease');
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // A refresh function that ignores its signal must not hold the caller past the lease either.
  const expired = new Promise<RefreshFailure>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(new RefreshFailure('retryable', 'the refresh did not finish before its lease ran out'));
    }, remaining);
  });
  try {
    const outcome = await Promise.race([
      // Through a promise, so a refresh function that throws synchronously is classified too.
      Promise.resolve()
        .then(() => settings.refresh(presentToken(token), { signal: controller.signal }))
        .then(checkResult, classify),
      expired,
    ]);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

function checkResult(result: RefreshResult): RefreshResult | RefreshFailure {
  if (typeof result !== 'object' || result === null) return new RefreshFailure('fatal', 'the refresh function returned no result');
  if (typeof result.accessToken !== 'string' || result.accessToken === '') {
    return new RefreshFailure('fatal', 'the refresh function returned no access token');
  }
  if (!Number.isSafeInteger(result.expiryTime) || result.expiryTime < 0) {
    return new RefreshFailure('fatal', 'the refresh function returned no valid expiryTime (ms since the epoch)');
  }
  if (result.refreshToken != null && (typeof result.refreshToken !== 'string' || result.refreshToken === '')) {
    return new RefreshFailure('fatal', 'the refresh function returned an invalid refreshToken');
  }
  return result;
}

/** A failure we did not write ourselves may carry anything: keep only its name and code. */
function classify(error: unknown): RefreshFailure {
  if (error instanceof RefreshFailure) return error;
  if (isTokenStoreError(error, 'INVALID_GRANT')) return new RefreshFailure('invalid_grant', 'invalid_grant');
  const kind: RefreshFailureKind = 'retryable';
  return new RefreshFailure(kind, `the refresh function failed (${errorLabel(error)})`, { cause: safeCause(error) });
}

export function errorLabel(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  const label = typeof name === 'string' && /^[\w.$ -]{1,60}$/.test(name) ? name : 'unknown error';
  return (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) || typeof code === 'number' ? `${label} ${code}` : label;
}

/** An error that says what kind of failure it was and nothing else (no message, no cause chain). */
export function safeCause(error: unknown): Error {
  const cause = new Error(errorLabel(error));
  cause.name = 'SanitizedError';
  return cause;
}

export function refreshError(
  code: 'INVALID_GRANT' | 'REFRESH_FAILED' | 'INVALID_TOKEN' | 'CONFLICT',
  operation: RefreshOperation,
  reason: string,
  cause?: unknown,
): TokenStoreError {
  return new TokenStoreError({ code, backend: 'core', operation, reason, cause });
}
