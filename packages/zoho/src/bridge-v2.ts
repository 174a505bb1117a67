import { isLeaseRecord, type StoredToken, type TokenStore } from '@tokens/core';
import { sdkCall } from './errors.js';
import type { Freshness } from './freshness.js';
import { expiryOf, fillSdkTokenV2, fromSdkTokenV2 } from './mapping.js';
import type { ResolvedSdk } from './sdk/resolve.js';
import type { SdkTokenV2, SdkUserSignature } from './sdk/types.js';

/** The TokenStore interface of nodejs-sdk-2.0 (`getToken(user, token)`, …). */
export interface ZohoSdkV2TokenStore {
  getToken(user: unknown, token: unknown): Promise<unknown>;
  getTokenById(id: string, token: unknown): Promise<unknown>;
  saveToken(user: unknown, token: unknown): Promise<void>;
  deleteToken(token: unknown): Promise<void>;
  getTokens(): Promise<unknown[]>;
  deleteTokens(): Promise<void>;
}

const WATCHED = Symbol('@tokens/zoho:watched');

/**
 * nodejs-sdk-2.0 reads the store only while the token object holds no access token, and then
 * refreshes an expiring one itself, from memory. So the bridge makes the object's access token
 * read as absent once it is within `refreshAheadMs` of expiry (the SDK's own threshold is 5 s):
 * the SDK then asks the store, and the store refreshes once for every caller.
 */
function watchExpiry(token: SdkTokenV2, refreshAheadMs: number): void {
  const target = token as SdkTokenV2 & { accessToken?: string | null; [WATCHED]?: true };
  if (target[WATCHED]) return;
  let value = target.accessToken ?? null;
  Object.defineProperty(target, 'accessToken', {
    configurable: true,
    enumerable: true,
    get() {
      const expiry = expiryOf(target.getExpiresIn());
      if (value != null && target.getRefreshToken() && expiry !== undefined && expiry - Date.now() < refreshAheadMs) return null;
      return value;
    },
    set(next: string | null) {
      value = next;
    },
  });
  Object.defineProperty(target, WATCHED, { value: true });
}

export function createBridgeV2(store: TokenStore, sdk: ResolvedSdk, freshness: Freshness): ZohoSdkV2TokenStore {
  const serve = (token: SdkTokenV2, stored: StoredToken) => {
    fillSdkTokenV2(token, stored);
    watchExpiry(token, freshness.refreshAheadMs);
    return token;
  };
  const emailOf = (user: unknown) => (user as SdkUserSignature | null)?.getEmail?.() ?? undefined;
  const bridge: ZohoSdkV2TokenStore = {
    getToken: (user, token) =>
      sdkCall(sdk, 'findToken', async () => {
        const email = emailOf(user);
        if (!email || !sdk.isToken(token)) return null;
        const stored = await store.findToken({ userSignature: email });
        return stored ? serve(token as SdkTokenV2, await freshness.fresh(stored)) : null;
      }),
    getTokenById: (id, token) =>
      sdkCall(sdk, 'findTokenById', async () => {
        const stored = typeof id === 'string' && id !== '' ? await store.findTokenById(id) : null;
        if (!stored || isLeaseRecord(stored))
          throw sdk.exception('TOKEN_STORE', '@tokens/zoho: findTokenById: Given ID is invalid: no stored token has this id');
        return serve(token as SdkTokenV2, await freshness.fresh(stored));
      }),
    saveToken: (user, token) =>
      sdkCall(sdk, 'saveToken', async () => {
        const sdkToken = token as SdkTokenV2;
        const email = emailOf(user);
        if (email) sdkToken.setUserMail(email);
        const saved = await store.saveToken(fromSdkTokenV2(sdkToken, email));
        sdkToken.setId(saved.id);
        watchExpiry(sdkToken, freshness.refreshAheadMs);
      }),
    deleteToken: (token) =>
      sdkCall(sdk, 'deleteToken', async () => {
        const sdkToken = token as SdkTokenV2;
        const id = sdkToken.getId();
        const email = sdkToken.getUserMail();
        const stored = id ? await store.findTokenById(id) : email ? await store.findToken({ userSignature: email }) : null;
        if (stored) await store.deleteToken(stored.id);
      }),
    getTokens: () =>
      sdkCall(sdk, 'getTokens', async () =>
        (await store.getTokens()).filter((stored) => !isLeaseRecord(stored)).map((stored) => fillSdkTokenV2(sdk.newToken(), stored)),
      ),
    deleteTokens: () => sdkCall(sdk, 'deleteTokens', () => store.deleteTokens()),
  };
  // nodejs-sdk-2.0's InitializeBuilder.store() accepts only instances of its TokenStore class.
  if (sdk.storePrototype) Object.setPrototypeOf(bridge, sdk.storePrototype);
  return bridge;
}
