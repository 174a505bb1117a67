import type { CheckedToken } from './validate.js';

export type LookupKind = 'user' | 'access' | 'refresh' | 'grant';

/** The one field a token is looked up by, chosen by the precedence rules. */
export interface LookupKey {
  kind: LookupKind;
  value: string;
}

export const LOOKUP_FIELD = {
  user: 'userSignature',
  access: 'accessToken',
  refresh: 'refreshToken',
  grant: 'grantToken',
} as const satisfies Record<LookupKind, keyof CheckedToken>;

/**
 * The Zoho SDK stores' order: user, else access token without client credentials, else grant or
 * refresh token with both client credentials. An empty string counts as absent; a client
 * credential counts as given when it is not null/undefined (it enables rule 3, it is not matched).
 */
export function lookupKeyOf(token: CheckedToken): LookupKey | null {
  if (token.userSignature) return { kind: 'user', value: token.userSignature };
  const hasClientId = token.clientId != null;
  const hasClientSecret = token.clientSecret != null;
  if (token.accessToken && !hasClientId && !hasClientSecret) {
    return { kind: 'access', value: token.accessToken };
  }
  if (hasClientId && hasClientSecret) {
    if (token.grantToken) return { kind: 'grant', value: token.grantToken };
    if (token.refreshToken) return { kind: 'refresh', value: token.refreshToken };
  }
  return null;
}
