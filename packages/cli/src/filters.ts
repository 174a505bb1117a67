import type { OAuthToken } from '@tokens/core';
import { UsageError } from './failure.js';
import { parseDuration } from './time.js';

/** Token filters shared by list, purge and copy. */
export interface TokenFilter {
  /** Expired now (expiry at or before now). */
  expired?: boolean;
  /** Not expired, but expiring within this many ms. */
  expiringWithinMs?: number;
  /** Expired for at least this many ms. */
  expiredForMs?: number;
  /** Glob on userSignature (`*` any run, `?` one character), case-sensitive like the lookup. */
  user?: string;
}

export interface FilterFlags {
  expired?: boolean;
  expiringWithin?: string;
  expiredFor?: string;
  user?: string;
}

export function filterFromFlags(flags: FilterFlags): TokenFilter {
  const filter: TokenFilter = {};
  if (flags.expired) filter.expired = true;
  if (flags.expiringWithin !== undefined) filter.expiringWithinMs = parseDuration(flags.expiringWithin, '--expiring-within');
  if (flags.expiredFor !== undefined) filter.expiredForMs = parseDuration(flags.expiredFor, '--expired-for');
  if (flags.user !== undefined) filter.user = flags.user;
  if (filter.expired && filter.expiringWithinMs !== undefined) {
    throw new UsageError('--expired and --expiring-within exclude each other (expiring means not expired yet)');
  }
  return filter;
}

export function isEmptyFilter(filter: TokenFilter): boolean {
  return Object.keys(filter).length === 0;
}

export function matchesFilter(token: OAuthToken, filter: TokenFilter, now: number): boolean {
  const expiry = token.expiryTime ?? null;
  if (filter.expired && (expiry === null || expiry > now)) return false;
  if (filter.expiredForMs !== undefined && (expiry === null || expiry > now - filter.expiredForMs)) return false;
  if (filter.expiringWithinMs !== undefined && (expiry === null || expiry <= now || expiry > now + filter.expiringWithinMs)) return false;
  if (filter.user !== undefined && !globMatcher(filter.user)(token.userSignature ?? '')) return false;
  return true;
}

const matchers = new Map<string, (value: string) => boolean>();

export function globMatcher(glob: string): (value: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    const source = [...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
    const regex = new RegExp(`^${source}$`, 's');
    matcher = (value) => regex.test(value);
    matchers.set(glob, matcher);
  }
  return matcher;
}
