import type { OAuthToken, StoredToken } from '../token.js';

/**
 * The `userSignature` prefix of refresh lease records. A NUL character cannot come from a login
 * form or an e-mail address, so no real user collides with it.
 */
export const LEASE_PREFIX = '\u0000tokens-lease:';

/** The user key of the lease record that guards the refresh of the token with this id. */
export function leaseSignature(tokenId: string): string {
  return LEASE_PREFIX + tokenId;
}

/**
 * True for the records a refresher keeps in a store while it refreshes a token. Stores built by
 * `createTokenStore` leave them out of `getTokens()`; filter a third-party store's list with it.
 */
export function isLeaseRecord(token: Pick<OAuthToken, 'userSignature'> | null | undefined): boolean {
  return typeof token?.userSignature === 'string' && token.userSignature.startsWith(LEASE_PREFIX);
}

/**
 * Stores built by `createTokenStore` answer this method: an insert that fails on a taken key
 * instead of updating the record that holds it. `Symbol.for`, so the ESM and CJS builds agree.
 * A store that wraps another (to check or log calls) should forward it: without it, a refresher
 * takes its lease with `saveToken`, which is correct but slower under contention.
 */
export const INSERT_NEW = Symbol.for('@tokens/core:insertNew');

export interface InsertNew {
  [INSERT_NEW](token: OAuthToken): Promise<StoredToken | null>;
}
