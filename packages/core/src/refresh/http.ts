import { errorLabel, safeCause } from './attempts.js';
import { RefreshFailure } from './failure.js';

export type FetchFunction = typeof globalThis.fetch;

export interface TokenResponse {
  status: number;
  /** The parsed JSON body, or `undefined` when the body is not a JSON object. */
  body: Record<string, unknown> | undefined;
  retryAfterMs: number | undefined;
}

/**
 * POSTs a form to a token endpoint. Every failure is a `RefreshFailure` whose message and cause
 * hold no secret: the request carries the refresh token and the client secret, and a fetch
 * error's cause may quote the request, so it is reduced to its name and code.
 */
export async function postTokenForm(
  provider: string,
  url: string,
  form: URLSearchParams,
  init: { headers?: Record<string, string>; fetch?: FetchFunction; timeoutMs: number; signal: AbortSignal },
): Promise<TokenResponse> {
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = AbortSignal.any([init.signal, timeout]);
  const doFetch = init.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...init.headers },
      body: form.toString(),
      signal,
      redirect: 'error',
    });
  } catch (error) {
    if (timeout.aborted) throw new RefreshFailure('retryable', `${provider} did not answer within ${init.timeoutMs} ms`);
    if (init.signal.aborted) throw new RefreshFailure('retryable', `the request to ${provider} was aborted`);
    throw new RefreshFailure('retryable', `the request to ${provider} failed (${networkLabel(error)})`, { cause: safeCause(error) });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new RefreshFailure('retryable', `the answer of ${provider} was cut off (${networkLabel(error)})`, { cause: safeCause(error) });
  }
  return { status: response.status, body: parseObject(text), retryAfterMs: retryAfter(response.headers.get('retry-after')) };
}

/** Node's fetch says "TypeError fetch failed"; the useful part (ECONNREFUSED) is its cause's code. */
function networkLabel(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return cause === undefined ? errorLabel(error) : `${errorLabel(error)}: ${errorLabel(cause)}`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 600) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), 600_000);
}

/**
 * A provider's `error` code if it is one we know, else `'unknown error code'` (or `undefined`
 * without one): an unknown value is never shown, as a provider may echo the refresh token there.
 */
export function errorCode(body: Record<string, unknown> | undefined, known: ReadonlySet<string>): string | undefined {
  const value = body?.error;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' && known.has(value) ? value : 'unknown error code';
}

/** `expires_in` in seconds → absolute ms; `fallbackSeconds` when absent or not a number. */
export function expiryFromSeconds(seconds: unknown, fallbackSeconds: number): number {
  const value = typeof seconds === 'string' && seconds.trim() !== '' ? Number(seconds) : seconds;
  const valid = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallbackSeconds;
  return Date.now() + Math.round(valid * 1000);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
