export { RefreshFailure, type RefreshFailureKind } from './failure.js';
export type { FetchFunction } from './http.js';
export { INSERT_NEW, type InsertNew, isLeaseRecord, LEASE_PREFIX } from './lease-record.js';
export { type OAuth2RefreshOptions, oauth2Refresh } from './oauth2.js';
export { createTokenRefresher } from './refresher.js';
export type { RefreshContext, RefreshFunction, RefreshResult, TokenRefresher, TokenRefresherOptions } from './types.js';
export { type ZohoRefreshOptions, zohoRefresh } from './zoho.js';
export { ZOHO_DATA_CENTERS, type ZohoDataCenter, zohoAccountsUrlFor } from './zoho-data-centers.js';
