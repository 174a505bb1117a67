import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createTokenRefresher,
  createTokenStore,
  oauth2Refresh,
  RefreshFailure,
  type RefreshFunction,
  type StoredToken,
  ZOHO_DATA_CENTERS,
  zohoAccountsUrlFor,
  zohoRefresh,
} from '../src/index.js';
import { MapBackend } from './encryption-helpers.js';

const SECRET = 'client-secret-S3CR3T';
const REFRESH = 'refresh-token-R3FR3SH';
const token: StoredToken = {
  id: 't1',
  version: 1,
  userSignature: 'alice',
  clientId: 'client id+&:',
  clientSecret: SECRET,
  redirectUrl: null,
  grantToken: null,
  refreshToken: REFRESH,
  accessToken: 'old-access-A0LD',
  expiryTime: 0,
  apiDomain: 'https://www.zohoapis.eu',
};

interface Seen {
  url: string;
  headers: Headers;
  body: URLSearchParams;
}

/** A `fetch` that answers from a script and records what it was asked (the documented option). */
function scripted(...answers: Array<Response | Error>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const answer: typeof globalThis.fetch = async (url, init) => {
    seen.push({ url: String(url), headers: new Headers(init?.headers), body: new URLSearchParams(String(init?.body)) });
    const next = answers.shift() ?? new Response('{}', { status: 500 });
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch: answer, seen };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const signal = new AbortController().signal;

async function failure(run: Promise<unknown>): Promise<RefreshFailure> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(RefreshFailure);
    return error as RefreshFailure;
  }
  throw new Error('expected a RefreshFailure');
}

describe('Zoho data centers', () => {
  it.each([
    ['https://www.zohoapis.com', 'https://accounts.zoho.com'],
    ['https://www.zohoapis.eu', 'https://accounts.zoho.eu'],
    ['https://www.zohoapis.in', 'https://accounts.zoho.in'],
    ['https://www.zohoapis.com.au', 'https://accounts.zoho.com.au'],
    ['https://www.zohoapis.jp', 'https://accounts.zoho.jp'],
    ['https://www.zohoapis.ca', 'https://accounts.zohocloud.ca'],
    ['https://www.zohoapis.com.cn', 'https://accounts.zoho.com.cn'],
    ['https://www.zohoapis.sa', 'https://accounts.zoho.sa'],
    ['https://sandbox.zohoapis.eu', 'https://accounts.zoho.eu'],
    ['www.zohoapis.in', 'https://accounts.zoho.in'],
  ])('%s → %s', (apiDomain, accounts) => {
    expect(zohoAccountsUrlFor(apiDomain)).toBe(accounts);
  });

  it('no Zoho host, no accounts URL', () => {
    expect(zohoAccountsUrlFor('https://zohoapis.eu.example.com')).toBeUndefined();
    expect(zohoAccountsUrlFor('http://127.0.0.1:8080')).toBeUndefined();
    expect(zohoAccountsUrlFor(null)).toBeUndefined();
  });
});

describe('zohoRefresh', () => {
  it("posts the token's client and refresh token to the accounts host of its apiDomain", async () => {
    const { fetch, seen } = scripted(json({ access_token: 'new', expires_in: 3600, api_domain: 'https://www.zohoapis.eu' }));
    const result = await zohoRefresh({ fetch })(token, { signal });
    expect(seen[0]?.url).toBe('https://accounts.zoho.eu/oauth/v2/token');
    expect(Object.fromEntries(seen[0]!.body)).toEqual({
      grant_type: 'refresh_token',
      client_id: token.clientId,
      client_secret: SECRET,
      refresh_token: REFRESH,
    });
    expect(result.accessToken).toBe('new');
    expect(result.apiDomain).toBe('https://www.zohoapis.eu');
    expect(result.expiryTime - Date.now()).toBeGreaterThan(3_590_000);
  });

  it('accountsUrl and dataCenter win over apiDomain', async () => {
    const a = scripted(json({ access_token: 'x', expires_in: 60 }));
    await zohoRefresh({ fetch: a.fetch, accountsUrl: 'http://127.0.0.1:1/' })(token, { signal });
    expect(a.seen[0]?.url).toBe('http://127.0.0.1:1/oauth/v2/token');
    const b = scripted(json({ access_token: 'x', expires_in: 60 }));
    await zohoRefresh({ fetch: b.fetch, dataCenter: 'JP' })(token, { signal });
    expect(b.seen[0]?.url).toBe(`${ZOHO_DATA_CENTERS.JP.accounts}/oauth/v2/token`);
  });

  it('reads expires_in_sec (seconds) when the older API sends expires_in in ms', async () => {
    const { fetch } = scripted(json({ access_token: 'x', expires_in: 3_600_000, expires_in_sec: 3600 }));
    const result = await zohoRefresh({ fetch })(token, { signal });
    expect(result.expiryTime - Date.now()).toBeGreaterThan(3_590_000);
    expect(result.expiryTime - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  it.each([
    [
      'a throttle, HTTP 200 "Access Denied"',
      json({ error: 'Access Denied', error_description: 'You have made too many requests continuously.' }),
      'throttled',
    ],
    [
      'a throttle, HTTP 400 with the description',
      json({ error_description: 'You have made too many requests continuously.' }, 400),
      'throttled',
    ],
    ['invalid_code (revoked refresh token)', json({ error: 'invalid_code' }), 'invalid_grant'],
    ['invalid_client', json({ error: 'invalid_client' }), 'fatal'],
    ['HTTP 503', json({}, 503), 'retryable'],
    ['a 200 page that is no JSON', new Response('<html>maintenance</html>', { status: 200 }), 'retryable'],
  ])('%s → %s', async (_, response, kind) => {
    const { fetch } = scripted(response);
    expect((await failure(zohoRefresh({ fetch })(token, { signal }))).kind).toBe(kind);
  });
});

describe('oauth2Refresh', () => {
  it('client_secret_basic: form-urlencoded credentials in Basic, no secret in the body', async () => {
    const { fetch, seen } = scripted(json({ access_token: 'a', expires_in: 10, refresh_token: 'rotated' }));
    const result = await oauth2Refresh({ tokenEndpoint: 'https://idp.example/token', fetch, scope: 'read' })(token, { signal });
    const basic = Buffer.from(seen[0]!.headers.get('authorization')!.slice(6), 'base64').toString();
    expect(basic).toBe(`client+id%2B%26%3A:${SECRET}`);
    expect(Object.fromEntries(seen[0]!.body)).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH, scope: 'read' });
    expect(result.refreshToken).toBe('rotated');
  });

  it('client_secret_post: credentials in the body', async () => {
    const { fetch, seen } = scripted(json({ access_token: 'a', expires_in: 10 }));
    await oauth2Refresh({ tokenEndpoint: 'https://idp.example/token', authMethod: 'client_secret_post', clientId: 'cid', fetch })(token, {
      signal,
    });
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(seen[0]!.body.get('client_id')).toBe('cid');
    expect(seen[0]!.body.get('client_secret')).toBe(SECRET);
  });

  it.each([
    ['invalid_grant (§5.2)', json({ error: 'invalid_grant' }, 400), 'invalid_grant'],
    ['invalid_client', json({ error: 'invalid_client' }, 401), 'fatal'],
    ['HTTP 429', json({ error: 'slow_down' }, 429, { 'retry-after': '7' }), 'throttled'],
    ['HTTP 502', new Response('bad gateway', { status: 502 }), 'retryable'],
    ['200 without access_token', json({ token_type: 'Bearer' }), 'retryable'],
  ])('%s → %s', async (_, response, kind) => {
    const { fetch } = scripted(response);
    const error = await failure(oauth2Refresh({ tokenEndpoint: 'https://idp.example/token', fetch })(token, { signal }));
    expect(error.kind).toBe(kind);
    if (kind === 'throttled') expect(error.retryAfterMs).toBe(7_000);
  });
});

describe('no secret in refresh errors', () => {
  const secrets = [SECRET, REFRESH, 'old-access-A0LD'];
  const expectClean = (error: unknown) => {
    const text = inspect(error, { depth: 20, showHidden: true });
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  async function refreshError(refresh: RefreshFunction): Promise<unknown> {
    const store = createTokenStore(new MapBackend(new Map(), 'tokens'));
    await store.saveToken({ ...token, id: undefined, version: undefined, expiryTime: 1 });
    const tokens = createTokenRefresher(store, { refresh, retries: 1, retryDelayMs: 1 });
    try {
      await tokens.getAccessToken({ userSignature: 'alice' });
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  }

  it('a fetch error that quotes the request', async () => {
    const leaky = new TypeError(`fetch failed for refresh_token=${REFRESH}&client_secret=${SECRET}`, {
      cause: Object.assign(new Error(`connect ECONNREFUSED ${REFRESH}`), { code: 'ECONNREFUSED' }),
    });
    const { fetch } = scripted(leaky, leaky);
    const error = await refreshError(zohoRefresh({ fetch }));
    expect(error).toMatchObject({ code: 'REFRESH_FAILED' });
    expect(String((error as Error).message)).toContain('ECONNREFUSED');
    expectClean(error);
  });

  it('an answer that echoes the refresh token', async () => {
    const { fetch } = scripted(json({ error: REFRESH, error_description: `bad token ${REFRESH}` }, 400));
    expectClean(await refreshError(oauth2Refresh({ tokenEndpoint: 'https://idp.example/token', fetch })));
  });

  it("a user refresh function's own error", async () => {
    const error = await refreshError(async (t) => {
      throw new Error(`refresh failed for ${t.refreshToken} / ${t.clientSecret}`);
    });
    expect(error).toMatchObject({ code: 'REFRESH_FAILED' });
    expectClean(error);
  });

  it('bad options are INVALID_OPTIONS', () => {
    const store = createTokenStore(new MapBackend(new Map(), 'tokens'));
    expect(() => createTokenRefresher(store, { refresh: undefined as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => createTokenRefresher(store, { refresh: async () => ({ accessToken: 'a', expiryTime: 1 }), leaseMs: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
