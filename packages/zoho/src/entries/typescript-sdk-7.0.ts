import type { TokenStore } from '@tokens/core';
import * as ZOHOCRMSDK from '@zohocrm/typescript-sdk-7.0';
import type { ZohoSdk } from '../sdk/types.js';
import { zohoStore as bridge, type ZohoStoreOptions } from '../zoho-store.js';

/** The SDK's own TokenStore interface, which `InitializeBuilder.store()` takes. */
export type ZohoTokenStore = ZOHOCRMSDK.TokenStore.TokenStore;

/** `new InitializeBuilder().store(zohoStore(createSqliteStore({ path: 'tokens.db' })))` for @zohocrm/typescript-sdk-7.0. */
export function zohoStore(store: TokenStore, options: Omit<ZohoStoreOptions, 'sdk'> = {}): ZohoTokenStore {
  return bridge(store, { ...options, sdk: ZOHOCRMSDK as unknown as ZohoSdk }) as unknown as ZohoTokenStore;
}
