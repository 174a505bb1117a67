import { TokenStoreError } from '../errors.js';
import type { RefreshFunction, TokenRefresherOptions } from './types.js';

/** The refresher's options with defaults applied and checked. */
export interface RefreshSettings {
  refresh: RefreshFunction;
  refreshAheadMs: number;
  leaseMs: number;
  waitMs: number;
  retries: number;
  retryDelayMs: number;
  throttleDelayMs: number;
  onInvalidGrant: 'keep' | 'delete';
  /** Time kept free at the end of a lease for saving the result and releasing the lease. */
  marginMs: number;
}

export function refreshSettings(options: TokenRefresherOptions): RefreshSettings {
  if (typeof options?.refresh !== 'function') throw invalid('refresh must be a function (token, { signal }) => Promise<RefreshResult>');
  const leaseMs = duration(options.leaseMs, 'leaseMs', 30_000, 1);
  const onInvalidGrant = options.onInvalidGrant ?? 'keep';
  if (onInvalidGrant !== 'keep' && onInvalidGrant !== 'delete') throw invalid("onInvalidGrant must be 'keep' or 'delete'");
  return {
    refresh: options.refresh,
    refreshAheadMs: duration(options.refreshAheadMs, 'refreshAheadMs', 60_000, 0),
    leaseMs,
    waitMs: duration(options.waitMs, 'waitMs', leaseMs + 10_000, 0),
    retries: duration(options.retries, 'retries', 3, 0),
    retryDelayMs: duration(options.retryDelayMs, 'retryDelayMs', 250, 0),
    throttleDelayMs: duration(options.throttleDelayMs, 'throttleDelayMs', 5_000, 0),
    onInvalidGrant,
    marginMs: Math.min(2_000, Math.floor(leaseMs / 5)),
  };
}

function duration(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw invalid(`${name} must be an integer ≥ ${min}`);
  return value;
}

function invalid(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'core', operation: 'createTokenRefresher', reason });
}
