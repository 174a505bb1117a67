import type { TokenStore } from '@tokens/core';
import { createBridge, type ZohoSdkTokenStore } from './bridge.js';
import { createBridgeV2, type ZohoSdkV2TokenStore } from './bridge-v2.js';
import { Freshness, type FreshnessOptions } from './freshness.js';
import { resolveSdk } from './sdk/resolve.js';
import type { ZohoSdk } from './sdk/types.js';

export interface ZohoStoreOptions extends FreshnessOptions {
  /** The SDK's module: `import * as ZOHOCRMSDK from '@zohocrm/typescript-sdk-8.0'` (or -7.0, or nodejs-sdk-8.0). */
  sdk: ZohoSdk;
}

/**
 * Any @tokens store (or a third party's `TokenStore`) as the token store of a Zoho CRM SDK:
 * `new InitializeBuilder().store(zohoStore(store, { sdk: ZOHOCRMSDK }))`. Expired tokens are
 * refreshed once, through core's refresher, before the SDK sees them.
 */
export function zohoStore(store: TokenStore, options: ZohoStoreOptions): ZohoSdkTokenStore & ZohoSdkV2TokenStore {
  if (typeof store?.findToken !== 'function' || typeof store.saveToken !== 'function') {
    throw new TypeError('@tokens/zoho: zohoStore expects a TokenStore (e.g. createSqliteStore({ path }))');
  }
  const sdk = resolveSdk(options?.sdk);
  const freshness = new Freshness(store, sdk, options);
  // Typed as both interfaces so one declaration serves every SDK line; at run time it is the one the SDK's family uses.
  const bridge = sdk.family === 'name' ? createBridge(store, sdk, freshness) : createBridgeV2(store, sdk, freshness);
  return bridge as ZohoSdkTokenStore & ZohoSdkV2TokenStore;
}
