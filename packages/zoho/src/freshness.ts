import {
  createTokenRefresher,
  lookupKeyOf,
  type OAuthToken,
  type StoredToken,
  type TokenRefresher,
  type TokenStore,
  zohoRefresh,
} from '@tokens/core';
import type { ResolvedSdk } from './sdk/resolve.js';

export interface FreshnessOptions {
  /**
   * The Zoho accounts server's token URL (e.g. `https://accounts.zoho.eu/oauth/v2/token`). By
   * default the bridge asks the SDK, as the SDK itself would: the stock data center of the
   * token's API domain, else the environment the SDK was initialized with.
   */
  accountsUrl?: string;
  /**
   * A token is refreshed when its access token has less than this left (default 60,000 ms). It
   * must exceed the SDK's own threshold (5,000 ms), or the SDK would refresh on its own.
   */
  refreshAheadMs?: number;
  /** The refresh lease (core's `leaseMs`, default 30,000 ms). */
  leaseMs?: number;
  /** How long a caller waits for another process's refresh (core's `waitMs`). */
  waitMs?: number;
  /** Retries of a failed refresh (core's `retries`, default 3). */
  retries?: number;
  /** The `fetch` zohoRefresh uses (tests, proxies). */
  fetch?: typeof fetch;
}

/** The SDKs refresh on their own when less than this is left; the bridge must refresh before. */
export const SDK_REFRESH_THRESHOLD_MS = 5_000;
const DEFAULT_REFRESH_AHEAD_MS = 60_000;

/** The SDKs name the token endpoint (`…/oauth/v2/token`); core's zohoRefresh wants the server, and appends that path. */
export function accountsBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/oauth\/v2\/token$/, '');
}

/** Only what core's `findToken` looks a token up by: the refresher reads the token again itself. */
function lookupOf(token: StoredToken): OAuthToken {
  return {
    userSignature: token.userSignature,
    clientId: token.clientId,
    clientSecret: token.clientSecret,
    accessToken: token.accessToken,
    grantToken: token.grantToken,
    refreshToken: token.refreshToken,
  };
}

/**
 * Hands the SDK only valid tokens: every refresh goes through core's refresher (single flight in
 * this process, one lease per token across processes), with one refresher per accounts URL.
 */
export class Freshness {
  readonly #store: TokenStore;
  readonly #sdk: ResolvedSdk;
  readonly #options: FreshnessOptions;
  readonly #refreshAheadMs: number;
  readonly #refreshers = new Map<string, TokenRefresher>();

  constructor(store: TokenStore, sdk: ResolvedSdk, options: FreshnessOptions) {
    this.#store = store;
    this.#sdk = sdk;
    this.#options = options;
    this.#refreshAheadMs = options.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS;
    if (!Number.isSafeInteger(this.#refreshAheadMs) || this.#refreshAheadMs <= SDK_REFRESH_THRESHOLD_MS) {
      throw new TypeError(`@tokens/zoho: refreshAheadMs must be an integer above the SDK's own ${SDK_REFRESH_THRESHOLD_MS} ms threshold`);
    }
  }

  get refreshAheadMs(): number {
    return this.#refreshAheadMs;
  }

  /**
   * The stored token, refreshed first by core's refresher when it would count as expired. A token
   * with no refresh token is the SDK's business (a first login with a grant token, or an
   * access-token-only token the SDK never refreshes): it is returned as stored.
   */
  async fresh(stored: StoredToken): Promise<StoredToken> {
    if (!stored.refreshToken) return stored;
    const lookup = lookupOf(stored);
    if (!lookupKeyOf(lookup as Parameters<typeof lookupKeyOf>[0])) return stored;
    const refresher = await this.#refresherFor(stored);
    return refresher.getAccessToken(lookup);
  }

  async #refresherFor(token: StoredToken): Promise<TokenRefresher> {
    const url = await this.#accountsUrl(token);
    let refresher = this.#refreshers.get(url);
    if (!refresher) {
      const { leaseMs, waitMs, retries, fetch } = this.#options;
      refresher = createTokenRefresher(this.#store, {
        refresh: zohoRefresh({ accountsUrl: accountsBase(url), ...(fetch ? { fetch } : {}) }),
        refreshAheadMs: this.#refreshAheadMs,
        ...(leaseMs === undefined ? {} : { leaseMs }),
        ...(waitMs === undefined ? {} : { waitMs }),
        ...(retries === undefined ? {} : { retries }),
      });
      this.#refreshers.set(url, refresher);
    }
    return refresher;
  }

  /** The URL the SDK would refresh at (`getToken` in the SDK's oauth_token.js). */
  async #accountsUrl(token: StoredToken): Promise<string> {
    if (this.#options.accountsUrl) return this.#options.accountsUrl;
    const stock = token.apiDomain ? await this.#sdk.dataCenter(token.apiDomain) : null;
    const url = stock?.getAccountsUrl() ?? (await this.#sdk.environment())?.getAccountsUrl();
    if (!url) {
      throw new TypeError('@tokens/zoho: no accounts URL: initialize the SDK with an environment, or pass the accountsUrl option');
    }
    return url;
  }
}
