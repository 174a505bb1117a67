import type { OAuthToken, StoredToken } from '@tokens/core';
import type { ResolvedSdk } from './sdk/resolve.js';
import type { SdkToken, SdkTokenV2 } from './sdk/types.js';

/** null and undefined from the SDK mean "not given": the stored value is kept (the SDK's stores never clear a field). */
const given = (value: string | null | undefined): string | undefined => (value == null ? undefined : value);

/** `expiresIn` is a string of epoch milliseconds in every SDK line; anything unparsable is "not given". */
export function expiryOf(expiresIn: string | number | null | undefined): number | undefined {
  if (expiresIn == null || expiresIn === '') return undefined;
  const value = Number(expiresIn);
  return Number.isFinite(value) ? Math.trunc(value) : undefined;
}

/** The name of a user signature: `getName()` (TypeScript SDKs, nodejs-sdk-8.0), `getEmail()` (nodejs-sdk-2.0). */
export function signatureName(token: SdkToken): string | undefined {
  const user = token.getUserSignature();
  return given(user?.getName?.() ?? user?.getEmail?.());
}

/** An SDK token (TypeScript SDKs, nodejs-sdk-8.0) as a partial @tokens token. */
export function fromSdkToken(token: SdkToken): OAuthToken {
  return {
    id: given(token.getId()),
    userSignature: signatureName(token),
    clientId: given(token.getClientId()),
    clientSecret: given(token.getClientSecret()),
    redirectUrl: given(token.getRedirectURL()),
    grantToken: given(token.getGrantToken()),
    refreshToken: given(token.getRefreshToken()),
    accessToken: given(token.getAccessToken()),
    expiryTime: expiryOf(token.getExpiresIn()),
    apiDomain: given(token.getAPIDomain()),
  };
}

/** A nodejs-sdk-2.0 token, whose user comes beside it (`saveToken(user, token)`). */
export function fromSdkTokenV2(token: SdkTokenV2, user: string | undefined): OAuthToken {
  return {
    id: given(token.getId()),
    userSignature: user ?? given(token.getUserMail()),
    clientId: given(token.getClientId()),
    clientSecret: given(token.getClientSecret()),
    redirectUrl: given(token.getRedirectURL()),
    grantToken: given(token.getGrantToken()),
    refreshToken: given(token.getRefreshToken()),
    accessToken: given(token.getAccessToken()),
    expiryTime: expiryOf(token.getExpiresIn()),
  };
}

/**
 * Writes a stored token into an SDK token, the way the SDK's FileStore does (`setMergeData`): the
 * fields the caller left empty are filled, the id included, and client credentials become `""`
 * when none is stored. Unlike FileStore, the fields a refresh changes (access token, expiry,
 * refresh token, API domain) always take the stored value: the caller's object may hold an
 * access token another process has replaced since, and the SDK would refresh it again.
 */
export function fillSdkToken(sdk: ResolvedSdk, token: SdkToken, stored: StoredToken): SdkToken {
  if (token.getId() == null) token.setId(stored.id);
  if (token.getUserSignature() == null) token.setUserSignature(stored.userSignature == null ? null : sdk.newUser(stored.userSignature));
  if (token.getClientId() == null) token.setClientId(stored.clientId ?? '');
  if (token.getClientSecret() == null) token.setClientSecret(stored.clientSecret ?? '');
  if (token.getGrantToken() == null) token.setGrantToken(stored.grantToken);
  if (token.getRedirectURL() == null) token.setRedirectURL(stored.redirectUrl);
  if (stored.refreshToken != null || token.getRefreshToken() == null) token.setRefreshToken(stored.refreshToken);
  if (stored.accessToken != null || token.getAccessToken() == null) token.setAccessToken(stored.accessToken);
  if (stored.expiryTime != null || token.getExpiresIn() == null)
    token.setExpiresIn(stored.expiryTime == null ? null : String(stored.expiryTime));
  if (stored.apiDomain != null || token.getAPIDomain() == null) token.setAPIDomain(stored.apiDomain);
  return token;
}

/** The same for a nodejs-sdk-2.0 token; its FileStore overwrites these fields rather than filling them. */
export function fillSdkTokenV2(token: SdkTokenV2, stored: StoredToken): SdkTokenV2 {
  token.setId(stored.id);
  if (stored.userSignature != null) token.setUserMail(stored.userSignature);
  if (token.getClientId() == null) token.setClientId(stored.clientId);
  if (token.getClientSecret() == null) token.setClientSecret(stored.clientSecret);
  if (token.getGrantToken() == null) token.setGrantToken(stored.grantToken);
  if (token.getRedirectURL() == null) token.setRedirectURL(stored.redirectUrl);
  if (stored.refreshToken != null) token.setRefreshToken(stored.refreshToken);
  token.setAccessToken(stored.accessToken);
  token.setExpiresIn(stored.expiryTime == null ? null : String(stored.expiryTime));
  return token;
}
