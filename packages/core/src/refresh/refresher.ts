import { isTokenStoreError } from '../errors.js';
import { hashKey } from '../keys.js';
import { presentToken } from '../present.js';
import type { TokenStore } from '../store.js';
import type { OAuthToken, StoredToken } from '../token.js';
import { saveRefreshed } from './apply.js';
import { LeaseRanOut, type RefreshOperation, refreshError, refreshWithRetries } from './attempts.js';
import { sleep } from './delay.js';
import { isHeld, type Lease, releaseLease, tryAcquireLease } from './lease.js';
import { isLeaseRecord } from './lease-record.js';
import { type RefreshSettings, refreshSettings } from './settings.js';
import type { TokenRefresher, TokenRefresherOptions } from './types.js';

/**
 * Valid access tokens on demand, with one refresh per expiry: callers in this process share one
 * refresh (single flight), processes share one through a lease record in the store.
 */
export function createTokenRefresher(store: TokenStore, options: TokenRefresherOptions): TokenRefresher {
  if (typeof store?.findToken !== 'function' || typeof store.saveToken !== 'function') {
    throw new TypeError('createTokenRefresher expects a TokenStore');
  }
  return new Refresher(store, refreshSettings(options));
}

class Refresher implements TokenRefresher {
  readonly #store: TokenStore;
  readonly #settings: RefreshSettings;
  /** Refreshes under way in this process, by token id. */
  readonly #flights = new Map<string, Promise<StoredToken>>();
  /**
   * Token id → digest of the refresh token the provider refused. A revoked token stays stored
   * (expired), so without this every API call would send the provider one more doomed request.
   */
  readonly #refused = new Map<string, string>();
  /** The last refresh of each token in this process, for `refresh()` callers that asked during it. */
  readonly #recent = new Map<string, { finishedAt: number; token: StoredToken }>();

  constructor(store: TokenStore, settings: RefreshSettings) {
    this.#store = store;
    this.#settings = settings;
  }

  getAccessToken(partial: OAuthToken): Promise<StoredToken> {
    // The hot path: one read, no write, no extra await when the token is valid.
    return this.#store.findToken(partial).then((token) => {
      if (token && this.#isFresh(token)) return token;
      return this.#join(this.#found(token, partial, 'getAccessToken'), false, 'getAccessToken');
    });
  }

  async refresh(partial: OAuthToken): Promise<StoredToken> {
    const asked = Date.now();
    const token = this.#found(await this.#store.findToken(partial), partial, 'refresh');
    // The caller names the access token the API rejected, and it was replaced already.
    if (partial.accessToken && token.accessToken !== partial.accessToken && this.#isFresh(token)) return token;
    // A refresh of this token finished while we were reading it: that was the one we asked for.
    const recent = this.#recent.get(token.id);
    if (recent && recent.finishedAt >= asked) return presentToken(recent.token);
    return this.#join(partial.accessToken ? { ...token, accessToken: partial.accessToken } : token, true, 'refresh');
  }

  #found(token: StoredToken | null, partial: OAuthToken, operation: RefreshOperation): StoredToken {
    if (isLeaseRecord(partial) || isLeaseRecord(token)) throw refreshError('INVALID_TOKEN', operation, 'a lease record is not a token');
    if (!token) throw refreshError('INVALID_TOKEN', operation, 'no stored token matches');
    // Checked before any lease is taken: nobody can refresh this token.
    if (!token.refreshToken) throw refreshError('INVALID_TOKEN', operation, 'the token has no refresh token to refresh with');
    return token;
  }

  /** Every caller gets its own copy of the one result. */
  async #join(seen: StoredToken, force: boolean, operation: RefreshOperation): Promise<StoredToken> {
    const refused = this.#refused.get(seen.id);
    if (refused !== undefined) {
      if (refused === hashKey(seen.refreshToken ?? '')) {
        throw refreshError('INVALID_GRANT', operation, 'the provider already refused this refresh token; a new login is needed');
      }
      this.#refused.delete(seen.id);
    }
    let flight = this.#flights.get(seen.id);
    if (!flight) {
      const started = this.#run(seen, force, operation);
      flight = started;
      this.#flights.set(seen.id, started);
      const forget = () => {
        if (this.#flights.get(seen.id) === started) this.#flights.delete(seen.id);
      };
      started.then((token) => {
        this.#recent.delete(seen.id);
        this.#recent.set(seen.id, { finishedAt: Date.now(), token });
        // Only callers that were reading while it finished need it: keep the latest few.
        if (this.#recent.size > 1_000) this.#recent.delete(this.#recent.keys().next().value as string);
        forget();
      }, forget);
    }
    return presentToken(await flight);
  }

  /** Takes the lease and refreshes, or waits for whoever holds it, within `waitMs`. */
  async #run(seen: StoredToken, force: boolean, operation: RefreshOperation): Promise<StoredToken> {
    const { leaseMs, waitMs, marginMs } = this.#settings;
    const deadline = Date.now() + waitMs;
    for (let polls = 1; ; polls++) {
      const lease = await tryAcquireLease(this.#store, seen.id, leaseMs);
      if (isHeld(lease)) {
        try {
          return await this.#refreshUnderLease(seen, force, lease, operation);
        } catch (error) {
          if (!(error instanceof LeaseRanOut)) throw error;
          if (Date.now() >= deadline) {
            throw refreshError(
              'REFRESH_FAILED',
              operation,
              `the store was too slow: the lease (leaseMs ${leaseMs} ms) ran out before the refresh could start`,
            );
          }
        } finally {
          await releaseLease(this.#store, lease, marginMs);
        }
        continue;
      }
      const now = Date.now();
      if (now >= deadline) {
        throw refreshError('REFRESH_FAILED', operation, `another refresh of this token did not finish within waitMs (${waitMs} ms)`);
      }
      // Poll fast at first (a refresh usually takes a few hundred ms), then back off; wake up
      // when the holder's lease expires, to take over from a crashed holder.
      const pause = Math.min(10 * 1.5 ** Math.min(polls, 15), 1_000) * (0.75 + Math.random() / 2);
      await sleep(Math.min(pause, deadline - now, Math.max(5, lease.expiresAt - now + 5)));
      const current = await this.#store.findTokenById(seen.id);
      if (!current) throw refreshError('INVALID_TOKEN', operation, 'the token was deleted while it was being refreshed');
      if (this.#isDone(current, seen, force)) return current;
    }
  }

  async #refreshUnderLease(seen: StoredToken, force: boolean, lease: Lease, operation: RefreshOperation): Promise<StoredToken> {
    const { store, settings } = { store: this.#store, settings: this.#settings };
    const deadline = lease.expiresAt - settings.marginMs;
    // Someone may have refreshed between our first read and our lease.
    let current = await store.findTokenById(seen.id);
    for (let round = 1; round <= 3; round++) {
      if (!current) throw refreshError('INVALID_TOKEN', operation, 'the token was deleted while it was being refreshed');
      if (this.#isDone(current, seen, force)) return current;
      if (!current.refreshToken) throw refreshError('INVALID_TOKEN', operation, 'the token has no refresh token to refresh with');
      let result: Awaited<ReturnType<typeof refreshWithRetries>>;
      try {
        result = await refreshWithRetries(settings, current, deadline, operation);
      } catch (error) {
        const latest = await store.findTokenById(current.id).catch(() => null);
        // Refused because the refresh token was replaced meanwhile (a new login): use the new one.
        if (latest && latest.refreshToken !== current.refreshToken) {
          current = latest;
          continue;
        }
        if (isTokenStoreError(error, 'INVALID_GRANT')) {
          this.#refused.set(current.id, hashKey(current.refreshToken));
          if (settings.onInvalidGrant === 'delete' && latest) await store.deleteToken(latest.id);
        }
        throw error;
      }
      const saved = await saveRefreshed(store, current, result, operation);
      if (!('superseded' in saved)) return saved;
      current = saved.superseded;
      if (this.#isFresh(current)) return current;
    }
    throw refreshError('REFRESH_FAILED', operation, 'the token kept changing while it was being refreshed');
  }

  #isFresh(token: StoredToken): boolean {
    if (!token.accessToken) return false;
    return token.expiryTime === null || token.expiryTime - Date.now() >= this.#settings.refreshAheadMs;
  }

  /** A forced refresh is done once the access token the caller saw has been replaced. */
  #isDone(current: StoredToken, seen: StoredToken, force: boolean): boolean {
    return this.#isFresh(current) && (!force || current.accessToken !== seen.accessToken);
  }
}
