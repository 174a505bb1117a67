import { isLeaseRecord, lookupKeyOf, type OAuthToken, type StoredToken, type TokenStore } from '@tokens/core';
import { sdkCall } from './errors.js';
import type { Freshness } from './freshness.js';
import { fillSdkToken, fromSdkToken } from './mapping.js';
import type { ResolvedSdk } from './sdk/resolve.js';
import type { SdkToken } from './sdk/types.js';

/** The TokenStore interface of the TypeScript SDKs and nodejs-sdk-8.0, as their `InitializeBuilder.store()` takes it. */
export interface ZohoSdkTokenStore {
  findToken(token: unknown): Promise<unknown>;
  findTokenById(id: string): Promise<unknown>;
  saveToken(token: unknown): Promise<void>;
  deleteToken(id: string): Promise<void>;
  getTokens(): Promise<unknown[]>;
  deleteTokens(): Promise<void>;
}

/** What the SDK's `findToken` would look the token up by; the id plays no part (the SDK calls `findTokenById` for that). */
function lookupPartial(token: SdkToken): OAuthToken {
  const { id: _id, ...partial } = fromSdkToken(token);
  return partial;
}

export function createBridge(store: TokenStore, sdk: ResolvedSdk, freshness: Freshness): ZohoSdkTokenStore {
  const toSdk = (stored: StoredToken) => fillSdkToken(sdk, sdk.newToken(), stored);
  const bridge: ZohoSdkTokenStore = {
    findToken: (token) =>
      sdkCall(sdk, 'findToken', async () => {
        const sdkToken = token as SdkToken;
        const partial = lookupPartial(sdkToken);
        // No lookup key (an id-only or client-only token): FileStore finds nothing, and so do we,
        // where a DBStore would return an arbitrary row.
        if (!lookupKeyOf(partial as Parameters<typeof lookupKeyOf>[0])) return null;
        const stored = await store.findToken(partial);
        if (!stored) return null;
        // The SDK continues on the object it passed in: merge into it, as its own stores do.
        return fillSdkToken(sdk, sdkToken, await freshness.fresh(stored));
      }),
    findTokenById: (id) =>
      sdkCall(sdk, 'findTokenById', async () => {
        const stored = typeof id === 'string' && id !== '' ? await store.findTokenById(id) : null;
        // The SDK merges the result into its token and goes on to request an access token with
        // it: a null here would send a request with a null grant token. FileStore throws.
        if (!stored || isLeaseRecord(stored))
          throw sdk.exception('TOKEN_STORE', '@tokens/zoho: findTokenById: Given ID is invalid: no stored token has this id');
        return toSdk(await freshness.fresh(stored));
      }),
    saveToken: (token) =>
      sdkCall(sdk, 'saveToken', async () => {
        const sdkToken = token as SdkToken;
        const saved = await store.saveToken(fromSdkToken(sdkToken));
        // FileStore gives a new token its id on the caller's object; the SDK relies on it.
        sdkToken.setId(saved.id);
      }),
    deleteToken: (id) => sdkCall(sdk, 'deleteToken', () => store.deleteToken(id)),
    getTokens: () => sdkCall(sdk, 'getTokens', async () => (await store.getTokens()).filter((token) => !isLeaseRecord(token)).map(toSdk)),
    deleteTokens: () => sdkCall(sdk, 'deleteTokens', () => store.deleteTokens()),
  };
  // nodejs-sdk-8.0's InitializeBuilder.store() accepts only instances of its TokenStore class.
  if (sdk.storePrototype) Object.setPrototypeOf(bridge, sdk.storePrototype);
  return bridge;
}
