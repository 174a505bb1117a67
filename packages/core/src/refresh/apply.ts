import { isTokenStoreError } from '../errors.js';
import type { TokenStore } from '../store.js';
import type { StoredToken } from '../token.js';
import { type RefreshOperation, refreshError } from './attempts.js';
import { backoffDelay, sleep } from './delay.js';
import type { RefreshResult } from './types.js';

/** The refresh result was not saved: the stored token has another refresh token now (a new login, say). */
export interface Superseded {
  superseded: StoredToken;
}

const MAX_SAVES = 8;

/**
 * Saves a refresh result by compare-and-set on the version of the token it was made from. A
 * concurrent save of other fields (the user's name, say) is merged: the result is re-applied on
 * the new version. A concurrent save of another refresh token wins: a result made from an older
 * refresh token never overwrites a newer one.
 */
export async function saveRefreshed(
  store: TokenStore,
  used: StoredToken,
  result: RefreshResult,
  operation: RefreshOperation,
): Promise<StoredToken | Superseded> {
  let base = used;
  let unavailable = 0;
  for (let saves = 1; ; saves++) {
    try {
      return await store.saveToken({
        id: base.id,
        version: base.version,
        accessToken: result.accessToken,
        expiryTime: result.expiryTime,
        refreshToken: result.refreshToken ?? undefined,
        apiDomain: result.apiDomain ?? undefined,
      });
    } catch (error) {
      if (saves >= MAX_SAVES) throw error;
      if (isTokenStoreError(error, 'UNAVAILABLE') && ++unavailable <= 3) {
        // The provider may have rotated the refresh token: losing this save would lose it.
        await sleep(backoffDelay(unavailable, 100, 1_000));
        continue;
      }
      if (!isTokenStoreError(error, 'CONFLICT')) throw error;
      const latest = await store.findTokenById(base.id);
      if (!latest) throw refreshError('INVALID_TOKEN', operation, 'the token was deleted while it was being refreshed', error);
      // An earlier save that reported a failure may have landed after all.
      if (latest.accessToken === result.accessToken) return latest;
      if (latest.refreshToken !== used.refreshToken) return { superseded: latest };
      if (latest.version === base.version) {
        // Not a version race: another stored token holds the new access or refresh token.
        throw refreshError('CONFLICT', operation, 'the refreshed token collides with another stored token', error);
      }
      base = latest;
    }
  }
}
