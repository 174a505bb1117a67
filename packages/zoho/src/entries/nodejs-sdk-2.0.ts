import type { TokenStore } from '@tokens/core';
import exception from '@zohocrm/nodejs-sdk-2.0/core/com/zoho/crm/api/exception/sdk_exception.js';
import token from '@zohocrm/nodejs-sdk-2.0/models/authenticator/oauth_token.js';
import tokenStore from '@zohocrm/nodejs-sdk-2.0/models/authenticator/store/token_store.js';
import initializer from '@zohocrm/nodejs-sdk-2.0/routes/initializer.js';
import user from '@zohocrm/nodejs-sdk-2.0/routes/user_signature.js';
import type { ZohoSdkV2TokenStore } from '../bridge-v2.js';
import type { ZohoSdk } from '../sdk/types.js';
import { zohoStore as bridge, type ZohoStoreOptions } from '../zoho-store.js';

export type { ZohoSdkV2TokenStore };

// nodejs-sdk-2.0 has no index module: its classes live in one CommonJS file each.
const sdk = {
  OAuthToken: token.OAuthToken,
  SDKException: exception.SDKException,
  UserSignature: user.UserSignature,
  Initializer: initializer.Initializer,
  TokenStore: tokenStore.TokenStore,
} as unknown as ZohoSdk;

/** `new InitializeBuilder().store(zohoStore(createSqliteStore({ path: 'tokens.db' })))` for @zohocrm/nodejs-sdk-2.0. */
export function zohoStore(store: TokenStore, options: Omit<ZohoStoreOptions, 'sdk'> = {}): ZohoSdkV2TokenStore {
  return bridge(store, { ...options, sdk });
}
