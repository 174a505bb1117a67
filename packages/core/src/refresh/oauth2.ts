import { RefreshFailure } from './failure.js';
import { errorCode, expiryFromSeconds, type FetchFunction, nonEmptyString, postTokenForm, type TokenResponse } from './http.js';
import type { RefreshFunction } from './types.js';

export interface OAuth2RefreshOptions {
  tokenEndpoint: string;
  /** How the client authenticates (RFC 6749 §2.3.1); default `'client_secret_basic'`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Client credentials; default: the stored token's `clientId` / `clientSecret`. */
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  fetch?: FetchFunction;
  /** Bound of one request (default 10,000 ms). */
  timeoutMs?: number;
  /** Lifetime assumed when the answer has no `expires_in` (default 3,600 s). */
  defaultExpiresInSeconds?: number;
}

/** Errors of RFC 6749 §5.2 that no retry can fix. */
const CLIENT_ERRORS = new Set(['invalid_request', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);
/** Every code this refresher names in its errors (RFC 6749 §5.2, RFC 8628's throttle codes). */
const KNOWN_ERRORS = new Set([...CLIENT_ERRORS, 'invalid_grant', 'slow_down', 'temporarily_unavailable', 'server_error', 'access_denied']);

/** A `refresh` function for any RFC 6749 §6 token endpoint. */
export function oauth2Refresh(options: OAuth2RefreshOptions): RefreshFunction {
  if (!options?.tokenEndpoint) throw new TypeError('oauth2Refresh needs a tokenEndpoint');
  const endpoint = new URL(options.tokenEndpoint).toString();
  const authMethod = options.authMethod ?? 'client_secret_basic';
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new TypeError("authMethod must be 'client_secret_basic' or 'client_secret_post'");
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (token, { signal }) => {
    const clientId = options.clientId ?? token.clientId ?? '';
    const clientSecret = options.clientSecret ?? token.clientSecret ?? '';
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refreshToken ?? '' });
    if (options.scope) form.set('scope', options.scope);
    const headers: Record<string, string> = {};
    if (authMethod === 'client_secret_basic') {
      // §2.3.1: the credentials are form-urlencoded before they are put into Basic.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const response = await postTokenForm('the token endpoint', endpoint, form, { headers, fetch: options.fetch, timeoutMs, signal });
    return parseOAuth2(response, options.defaultExpiresInSeconds ?? 3_600);
  };
}

function parseOAuth2(response: TokenResponse, defaultExpiresIn: number) {
  const { status, body } = response;
  const error = errorCode(body, KNOWN_ERRORS);
  if (status === 200 && !error) {
    const accessToken = nonEmptyString(body?.access_token);
    if (!accessToken) throw new RefreshFailure('retryable', 'the token endpoint answered 200 without an access_token', { status });
    return {
      accessToken,
      expiryTime: expiryFromSeconds(body?.expires_in, defaultExpiresIn),
      refreshToken: nonEmptyString(body?.refresh_token),
    };
  }
  if (error === 'invalid_grant') throw new RefreshFailure('invalid_grant', 'invalid_grant', { status });
  if (status === 429 || error === 'slow_down' || error === 'temporarily_unavailable') {
    throw new RefreshFailure('throttled', `the token endpoint is throttling (HTTP ${status}${error ? `, ${error}` : ''})`, {
      status,
      retryAfterMs: response.retryAfterMs,
    });
  }
  if (error && CLIENT_ERRORS.has(error)) throw new RefreshFailure('fatal', `the token endpoint refused the request (${error})`, { status });
  const kind = status >= 500 || status === 408 ? 'retryable' : 'fatal';
  throw new RefreshFailure(kind, `the token endpoint answered HTTP ${status}${error ? ` (${error})` : ''}`, {
    status,
    retryAfterMs: response.retryAfterMs,
  });
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
