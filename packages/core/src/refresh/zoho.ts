import { RefreshFailure } from './failure.js';
import { errorCode, expiryFromSeconds, type FetchFunction, nonEmptyString, postTokenForm, type TokenResponse } from './http.js';
import type { RefreshFunction, RefreshResult } from './types.js';
import { ZOHO_DATA_CENTERS, type ZohoDataCenter, zohoAccountsUrlFor } from './zoho-data-centers.js';

export interface ZohoRefreshOptions {
  /** e.g. `https://accounts.zoho.eu`, or a local server in tests. Default: from `dataCenter`, else from the token's `apiDomain`. */
  accountsUrl?: string;
  /** Used when no `accountsUrl` is given; default: derived from the token's `apiDomain`, else `US`. */
  dataCenter?: ZohoDataCenter;
  fetch?: FetchFunction;
  /** Bound of one request (default 10,000 ms). */
  timeoutMs?: number;
}

/** Zoho's answers for a refresh token it does not (or no longer) accept. */
const REFUSED_GRANT = new Set(['invalid_code', 'invalid_grant', 'invalid_refresh_token']);
/** Answers no retry can fix: wrong client credentials or a bad request. */
const CLIENT_ERRORS = new Set([
  'invalid_client',
  'invalid_client_secret',
  'invalid_redirect_uri',
  'unsupported_grant_type',
  'invalid_request',
]);
/** Every code this refresher names in its errors. */
const KNOWN_ERRORS = new Set([...REFUSED_GRANT, ...CLIENT_ERRORS, 'Access Denied', 'invalid_scope', 'general_error']);

/**
 * A `refresh` function for Zoho's accounts server (`POST <accounts>/oauth/v2/token`), with the
 * client id and secret of the stored token. Zoho does not rotate refresh tokens; a rotated one in
 * the answer is stored all the same.
 */
export function zohoRefresh(options: ZohoRefreshOptions = {}): RefreshFunction {
  if (options.dataCenter !== undefined && !(options.dataCenter in ZOHO_DATA_CENTERS)) {
    throw new TypeError(`dataCenter must be one of ${Object.keys(ZOHO_DATA_CENTERS).join(', ')}`);
  }
  const fixed = options.accountsUrl ?? (options.dataCenter && ZOHO_DATA_CENTERS[options.dataCenter].accounts);
  if (fixed) new URL(fixed); // fail at setup, not at the first refresh
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (token, { signal }) => {
    const accounts = fixed ?? zohoAccountsUrlFor(token.apiDomain) ?? ZOHO_DATA_CENTERS.US.accounts;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: token.clientId ?? '',
      client_secret: token.clientSecret ?? '',
      refresh_token: token.refreshToken ?? '',
    });
    const url = `${accounts.replace(/\/+$/, '')}/oauth/v2/token`;
    const response = await postTokenForm('Zoho accounts', url, form, { fetch: options.fetch, timeoutMs, signal });
    return parseZoho(response);
  };
}

function parseZoho(response: TokenResponse): RefreshResult {
  const { status, body } = response;
  const error = errorCode(body, KNOWN_ERRORS);
  const accessToken = nonEmptyString(body?.access_token);
  if (status === 200 && body && accessToken && body.error === undefined) {
    return {
      accessToken,
      // Older API versions send `expires_in` in ms next to `expires_in_sec`; newer ones seconds only.
      expiryTime:
        body.expires_in_sec !== undefined ? expiryFromSeconds(body.expires_in_sec, 3_600) : expiryFromSeconds(body.expires_in, 3_600),
      refreshToken: nonEmptyString(body.refresh_token),
      apiDomain: nonEmptyString(body.api_domain),
    };
  }
  if (isThrottle(status, body, error)) {
    throw new RefreshFailure('throttled', `Zoho accounts is throttling refreshes (HTTP ${status}${error ? `, ${error}` : ''})`, {
      status,
      retryAfterMs: response.retryAfterMs,
    });
  }
  if (error && REFUSED_GRANT.has(error)) throw new RefreshFailure('invalid_grant', error, { status });
  if (error && CLIENT_ERRORS.has(error)) throw new RefreshFailure('fatal', `Zoho accounts refused the client (${error})`, { status });
  if (status >= 500 || status === 408) throw new RefreshFailure('retryable', `Zoho accounts answered HTTP ${status}`, { status });
  if (status === 200) {
    // A 200 that is neither a token nor a known error (a proxy's page, a new error code): retry.
    throw new RefreshFailure('retryable', `Zoho accounts answered 200 without an access token${error ? ` (${error})` : ''}`, { status });
  }
  throw new RefreshFailure('fatal', `Zoho accounts answered HTTP ${status}${error ? ` (${error})` : ''}`, { status });
}

/**
 * Zoho answers a throttled refresh with HTTP 200 (sometimes 400) and
 * `{"error":"Access Denied","error_description":"You have made too many requests continuously..."}`.
 */
function isThrottle(status: number, body: Record<string, unknown> | undefined, error: string | undefined): boolean {
  if (status === 429) return true;
  const description = typeof body?.error_description === 'string' ? body.error_description.toLowerCase() : '';
  return error?.toLowerCase() === 'access denied' || description.includes('too many requests');
}
