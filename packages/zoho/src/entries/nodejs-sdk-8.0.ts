import type { TokenStore } from '@tokens/core';
import * as ZOHOCRMSDK from '@zohocrm/nodejs-sdk-8.0';
import type { ZohoSdkTokenStore } from '../bridge.js';
import type { ZohoSdk } from '../sdk/types.js';
import { zohoStore as bridge, type ZohoStoreOptions } from '../zoho-store.js';

export type { ZohoSdkTokenStore };

/** `new InitializeBuilder().store(zohoStore(createSqliteStore({ path: 'tokens.db' })))` for @zohocrm/nodejs-sdk-8.0. */
export function zohoStore(store: TokenStore, options: Omit<ZohoStoreOptions, 'sdk'> = {}): ZohoSdkTokenStore {
  return bridge(store, { ...options, sdk: ZOHOCRMSDK as unknown as ZohoSdk });
}
