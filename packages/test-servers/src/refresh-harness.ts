import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  createTokenRefresher,
  INSERT_NEW,
  type InsertNew,
  isLeaseRecord,
  LEASE_PREFIX,
  oauth2Refresh,
  type StoredToken,
  type TokenRefresherOptions,
  type TokenStore,
  zohoRefresh,
} from '@tokens/core';
import { afterEach, describe, expect, it as vitestIt } from 'vitest';
import { type CallerResult, type RefreshChild, spawnRefreshChild } from './refresh-children.js';
import { startTokenEndpoint, type TokenEndpoint, type TokenEndpointOptions } from './token-endpoint.js';

export interface RefreshHarnessTarget {
  name: string;
  /** A store on `namespace`; called more than once per case for several instances on one namespace. */
  open(namespace: string): TokenStore | Promise<TokenStore>;
  /**
   * For the multi-process cases: a `.mjs` module whose default export opens a store from
   * JSON options (`(options) => TokenStore`), usually importing the package's `dist`, and those
   * options for a namespace. Leave out for stores that live in one process (memory).
   */
  processes?: { module: string; options(namespace: string): Record<string, unknown> };
  /** Drops what the cases left behind. */
  cleanup?(namespaces: string[]): Promise<void>;
  /** Expiries of the rotation case (default 100). */
  expiries?: number;
}

const USER = 'alice@example.com';
const CLIENT_ID = 'test-client';
const CLIENT_SECRET = 'test-client-secret-do-not-leak';
/** Short leases keep the crash case fast; waits stay generous for a loaded 2-core machine. */
const LEASE_MS = 2_000;
const WAIT_MS = 15_000;
/** Multi-process and rotation cases take seconds on a loaded machine; none comes near this. */
const CASE_TIMEOUT_MS = 120_000;
const it = (name: string, body: () => Promise<void>) => vitestIt(name, body, CASE_TIMEOUT_MS);
const FAST = { retryDelayMs: 20, throttleDelayMs: 40, retries: 2, leaseMs: LEASE_MS, waitMs: WAIT_MS } as const;

interface Case {
  store: TokenStore;
  namespace: string;
  open(): Promise<TokenStore>;
  endpoint(options?: TokenEndpointOptions): Promise<TokenEndpoint>;
  spawn(config: { callers: number; tokenUrl: string }): RefreshChild;
}

/**
 * The refresh cases of issue 15 on one backend: single flight, leases across instances and
 * processes, crash takeover, rotation, failure classes. Vitest only (the cases spawn processes
 * and start HTTP servers; they are tests of this repository, not a published suite).
 */
export function describeRefreshConformance(target: RefreshHarnessTarget): void {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(): Promise<Case> {
    const namespace = `rf_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const stores: TokenStore[] = [];
    cleanups.push(async () => {
      await Promise.allSettled(stores.map((store) => store.close()));
      await target.cleanup?.([namespace]);
    });
    const open = async () => {
      const store = await target.open(namespace);
      stores.push(store);
      return store;
    };
    const store = await open();
    return {
      store,
      namespace,
      open,
      endpoint: async (options) => {
        const endpoint = await startTokenEndpoint({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options });
        cleanups.push(() => endpoint.close());
        return endpoint;
      },
      spawn: ({ callers, tokenUrl }) => {
        const processes = target.processes;
        if (!processes) throw new Error('this case needs processes');
        const child = spawnRefreshChild({
          module: processes.module,
          storeOptions: processes.options(namespace),
          tokenUrl,
          user: USER,
          callers,
          timeoutMs: 5_000,
          refresher: { leaseMs: LEASE_MS, waitMs: WAIT_MS, refreshAheadMs: 60_000, retries: 2, retryDelayMs: 20 },
        });
        cleanups.push(() => child.kill());
        return child;
      },
    };
  }

  /** A stored token whose access token has expired, and an endpoint that accepts its refresh token. */
  async function expiredToken(c: Case, endpoint: TokenEndpoint, fresh = false): Promise<StoredToken> {
    const refreshToken = `refresh-0-${randomBytes(6).toString('hex')}`;
    endpoint.grant(refreshToken);
    return c.store.saveToken({
      userSignature: USER,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken,
      accessToken: `stale-access-${randomBytes(6).toString('hex')}`,
      expiryTime: fresh ? Date.now() + 3_600_000 : Date.now() - 1_000,
      apiDomain: endpoint.url,
    });
  }

  function refresher(store: TokenStore, endpoint: TokenEndpoint, options: Partial<TokenRefresherOptions> = {}) {
    return createTokenRefresher(store, {
      refresh: oauth2Refresh({ tokenEndpoint: endpoint.tokenUrl, authMethod: 'client_secret_basic', timeoutMs: 5_000 }),
      ...FAST,
      ...options,
    });
  }

  async function noLease(store: TokenStore, token: StoredToken): Promise<void> {
    const lease = await store.findToken({ userSignature: LEASE_PREFIX + token.id });
    // Released: deleted, or (when the release came late in its lease) marked expired.
    if (lease) expect(lease.expiryTime ?? 0).toBeLessThanOrEqual(Date.now());
  }

  function expectNoSecret(error: unknown, secrets: (string | null)[]): void {
    const text = inspect(error, { depth: 20, showHidden: true });
    for (const secret of secrets) if (secret) expect(text).not.toContain(secret);
  }

  async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string } & Error> {
    try {
      await promise;
    } catch (error) {
      return error as { code?: string; message: string } & Error;
    }
    throw new Error('expected a rejection');
  }

  describe(`refresh coordination: ${target.name}`, () => {
    it('a valid token: one read, no request, no write, no lease', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint, true);
      const tokens = refresher(c.store, endpoint);
      const results = await Promise.all(Array.from({ length: 20 }, () => tokens.getAccessToken({ userSignature: USER })));
      expect(results.every((result) => result.accessToken === token.accessToken)).toBe(true);
      expect(endpoint.requests).toHaveLength(0);
      expect((await c.store.findTokenById(token.id))?.version).toBe(token.version);
      expect(await c.store.findToken({ userSignature: LEASE_PREFIX + token.id })).toBeNull();
    });

    it('50 concurrent callers in one process on an expired token: exactly 1 refresh request', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      const tokens = refresher(c.store, endpoint);
      const results = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken({ userSignature: USER })));
      expect(endpoint.requests).toHaveLength(1);
      expect(new Set(results.map((result) => result.accessToken))).toEqual(new Set([endpoint.lastAccessToken]));
      const stored = await c.store.findTokenById(token.id);
      expect(stored?.accessToken).toBe(endpoint.lastAccessToken);
      expect(stored?.refreshToken).toBe(token.refreshToken);
      expect(stored?.expiryTime).toBeGreaterThan(Date.now() + 3_000_000);
      await noLease(c.store, token);
      expect((await c.store.getTokens()).map((t) => t.id)).toEqual([token.id]);
    });

    it('two store instances with their own refreshers (like two processes): exactly 1 refresh request', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      await expiredToken(c, endpoint);
      const instances = [refresher(c.store, endpoint), refresher(await c.open(), endpoint)];
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => instances[i % 2]!.getAccessToken({ userSignature: USER })));
      expect(endpoint.requests).toHaveLength(1);
      expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
    });

    it('a TokenStore that offers only the public API (a third-party store) coordinates as well', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      const instances = [refresher(publicApiOf(c.store), endpoint), refresher(publicApiOf(await c.open()), endpoint)];
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => instances[i % 2]!.getAccessToken({ userSignature: USER })));
      expect(endpoint.requests).toHaveLength(1);
      expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
      await noLease(c.store, token);
    });

    it('refresh() replaces a valid access token once, however many callers ask', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint, true);
      const tokens = refresher(c.store, endpoint);
      const results = await Promise.all(Array.from({ length: 10 }, () => tokens.refresh({ userSignature: USER })));
      expect(endpoint.requests).toHaveLength(1);
      expect(results.every((result) => result.accessToken === endpoint.lastAccessToken && result.accessToken !== token.accessToken)).toBe(
        true,
      );
    });

    it('refresh() with an access token that was replaced already: the new one, no request', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint, true);
      const result = await refresher(c.store, endpoint).refresh({ userSignature: USER, accessToken: 'rejected-by-the-api' });
      expect(result.accessToken).toBe(token.accessToken);
      expect(endpoint.requests).toHaveLength(0);
    });

    it('the store takes leases with a true insert: a second insert of the same lease is refused, not merged', async () => {
      const c = await setup();
      // A store without it (a wrapper that forgot to forward it) makes refreshers merge their
      // lease saves into each other's under contention.
      const insertNew = (c.store as Partial<InsertNew>)[INSERT_NEW];
      expect(typeof insertNew).toBe('function');
      const lease = { userSignature: `${LEASE_PREFIX}true-insert`, accessToken: 'nonce-1', expiryTime: Date.now() + 60_000 };
      const first = await (c.store as TokenStore & InsertNew)[INSERT_NEW](lease);
      expect(first).toMatchObject({ version: 1, accessToken: 'nonce-1' });
      expect(await (c.store as TokenStore & InsertNew)[INSERT_NEW]({ ...lease, accessToken: 'nonce-2' })).toBeNull();
      expect(await c.store.findTokenById(first!.id)).toMatchObject({ version: 1, accessToken: 'nonce-1' });
    });

    it('a lease is hidden from getTokens and never blocks saveToken; a new login during a refresh wins', async () => {
      const c = await setup();
      const endpoint = await c.endpoint({ rotate: true });
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'delay', ms: 600 });
      const pending = refresher(c.store, endpoint).getAccessToken({ userSignature: USER });
      await until(() => endpoint.requests.length === 1);
      const listed = await c.store.getTokens();
      expect(listed.map((t) => t.id)).toEqual([token.id]);
      expect(listed.some(isLeaseRecord)).toBe(false);
      // The user logs in again while the old refresh token is being used.
      const login = await c.store.saveToken({
        userSignature: USER,
        refreshToken: 'refresh-from-a-new-login',
        accessToken: 'access-from-a-new-login',
        expiryTime: Date.now() + 3_600_000,
      });
      expect(login.refreshToken).toBe('refresh-from-a-new-login');
      expect(endpoint.issued).toBe(0); // the save did not wait for the refresh
      const result = await pending;
      expect(result.refreshToken).toBe('refresh-from-a-new-login');
      expect(result.accessToken).toBe('access-from-a-new-login');
      const stored = await c.store.findTokenById(token.id);
      expect(stored?.refreshToken).toBe('refresh-from-a-new-login');
      expect(stored?.accessToken).toBe('access-from-a-new-login');
    });

    it('a lease left by a crashed process is taken over once it expires', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      await c.store.saveToken({ userSignature: LEASE_PREFIX + token.id, accessToken: 'owner-that-crashed', expiryTime: Date.now() + 500 });
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresher(c.store, endpoint).getAccessToken({ userSignature: USER })),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(endpoint.requests).toHaveLength(1);
      expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
      await noLease(c.store, token);
    });

    it('a lease held longer than waitMs: REFRESH_FAILED, nothing requested', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      await c.store.saveToken({ userSignature: LEASE_PREFIX + token.id, accessToken: 'busy-owner', expiryTime: Date.now() + 60_000 });
      const error = await rejection(refresher(c.store, endpoint, { waitMs: 300 }).getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('REFRESH_FAILED');
      expect(error.message).toContain('waitMs');
      expect(endpoint.requests).toHaveLength(0);
    });

    it('a concurrent save of other fields during a refresh is kept, and the refresh re-applied on top', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'delay', ms: 400 });
      const pending = refresher(c.store, endpoint).getAccessToken({ userSignature: USER });
      await until(() => endpoint.requests.length === 1);
      await c.store.saveToken({ userSignature: USER, redirectUrl: 'https://app.example/changed' });
      const result = await pending;
      expect(result.accessToken).toBe(endpoint.lastAccessToken);
      expect(result.redirectUrl).toBe('https://app.example/changed');
      expect(result.refreshToken).toBe(token.refreshToken);
      expect(await c.store.findTokenById(token.id)).toEqual(result);
    });

    it(`a rotating endpoint over ${target.expiries ?? 100} expiries with concurrent callers: 0 invalid_grant, the latest refresh token stored`, async () => {
      const c = await setup();
      const endpoint = await c.endpoint({ rotate: true });
      const token = await expiredToken(c, endpoint);
      const instances = [refresher(c.store, endpoint), refresher(await c.open(), endpoint)];
      const expiries = target.expiries ?? 100;
      for (let round = 1; round <= expiries; round++) {
        await c.store.saveToken({ id: token.id, expiryTime: 0 });
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => instances[i % 2]!.getAccessToken({ userSignature: USER })));
        expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
        expect((await c.store.findTokenById(token.id))?.refreshToken).toBe(endpoint.currentRefreshToken);
      }
      expect(endpoint.invalidGrants).toBe(0);
      expect(endpoint.issued).toBe(expiries);
      expect(endpoint.requests).toHaveLength(expiries);
      expect(endpoint.maxConcurrent).toBe(1);
    });

    it('invalid_grant: INVALID_GRANT, no retry, the stored token kept, no secret in the error', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'invalid_grant' });
      const error = await rejection(refresher(c.store, endpoint).getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('INVALID_GRANT');
      expect(endpoint.requests).toHaveLength(1);
      expect(await c.store.findTokenById(token.id)).toEqual(token);
      expectNoSecret(error, [token.refreshToken, token.accessToken, CLIENT_SECRET]);
      await noLease(c.store, token);
    });

    it('after invalid_grant, no more requests with that refresh token; a new login refreshes again', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'invalid_grant' });
      const tokens = refresher(c.store, endpoint);
      expect((await rejection(tokens.getAccessToken({ userSignature: USER }))).code).toBe('INVALID_GRANT');
      expect((await rejection(tokens.getAccessToken({ userSignature: USER }))).code).toBe('INVALID_GRANT');
      expect(endpoint.requests).toHaveLength(1);
      endpoint.grant('refresh-after-login');
      await c.store.saveToken({ id: token.id, refreshToken: 'refresh-after-login' });
      const result = await tokens.getAccessToken({ userSignature: USER });
      expect(result.accessToken).toBe(endpoint.lastAccessToken);
      expect(endpoint.requests).toHaveLength(2);
    });

    it('an expired token without a refresh token: INVALID_TOKEN, no lease, no request', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await c.store.saveToken({ userSignature: USER, accessToken: 'only-an-access-token', expiryTime: 1 });
      const error = await rejection(refresher(c.store, endpoint).getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('INVALID_TOKEN');
      expect(endpoint.requests).toHaveLength(0);
      expect(await c.store.findToken({ userSignature: LEASE_PREFIX + token.id })).toBeNull();
      expect(await c.store.findTokenById(token.id)).toEqual(token);
    });

    it("invalid_grant with onInvalidGrant: 'delete' removes the token", async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'invalid_grant' });
      const error = await rejection(refresher(c.store, endpoint, { onInvalidGrant: 'delete' }).getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('INVALID_GRANT');
      expect(await c.store.findTokenById(token.id)).toBeNull();
    });

    it('5xx answers are retried with backoff', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'status', status: 503 }, 2);
      const result = await refresher(c.store, endpoint).getAccessToken({ userSignature: USER });
      expect(endpoint.requests).toHaveLength(3);
      expect(result.accessToken).toBe(endpoint.lastAccessToken);
    });

    it('5xx answers beyond the retries: REFRESH_FAILED, the stored token kept, no secret in the error', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'status', status: 502 }, 10);
      const error = await rejection(refresher(c.store, endpoint, { retries: 2 }).getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('REFRESH_FAILED');
      expect(error.message).toContain('502');
      expect(endpoint.requests).toHaveLength(3);
      expect(await c.store.findTokenById(token.id)).toEqual(token);
      expectNoSecret(error, [token.refreshToken, token.accessToken, CLIENT_SECRET]);
    });

    it('a request that times out is retried, then REFRESH_FAILED', async () => {
      const c = await setup();
      const endpoint = await c.endpoint();
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'delay', ms: 3_000 }, 2);
      const tokens = createTokenRefresher(c.store, {
        ...FAST,
        retries: 1,
        refresh: oauth2Refresh({ tokenEndpoint: endpoint.tokenUrl, authMethod: 'client_secret_post', timeoutMs: 200 }),
      });
      const error = await rejection(tokens.getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('REFRESH_FAILED');
      expect(error.message).toContain('did not answer within 200 ms');
      expect(endpoint.requests).toHaveLength(2);
      expect(await c.store.findTokenById(token.id)).toEqual(token);
      expectNoSecret(error, [token.refreshToken, token.accessToken, CLIENT_SECRET]);
    });

    it('Zoho: a refresh stores the new access token and api_domain', async () => {
      const c = await setup();
      const endpoint = await c.endpoint({ flavor: 'zoho', expiresInSec: true });
      const token = await expiredToken(c, endpoint);
      const tokens = createTokenRefresher(c.store, { ...FAST, refresh: zohoRefresh({ accountsUrl: endpoint.url }) });
      const result = await tokens.getAccessToken({ userSignature: USER });
      expect(endpoint.requests).toEqual([expect.objectContaining({ grantType: 'refresh_token', auth: 'post', clientId: CLIENT_ID })]);
      expect(result.accessToken).toBe(endpoint.lastAccessToken);
      expect(result.refreshToken).toBe(token.refreshToken);
      expect(result.apiDomain).toBe(endpoint.url);
      expect(result.expiryTime! - Date.now()).toBeGreaterThan(3_500_000);
      expect(result.expiryTime! - Date.now()).toBeLessThanOrEqual(3_600_000);
    });

    it("Zoho: a throttle (HTTP 200 'Access Denied') is retried, never stored, then REFRESH_FAILED", async () => {
      const c = await setup();
      const endpoint = await c.endpoint({ flavor: 'zoho' });
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'throttle' }, 3);
      const tokens = createTokenRefresher(c.store, { ...FAST, retries: 2, refresh: zohoRefresh({ accountsUrl: endpoint.url }) });
      const error = await rejection(tokens.getAccessToken({ userSignature: USER }));
      expect(error.code).toBe('REFRESH_FAILED');
      expect(error.message).toContain('throttling');
      expect(endpoint.requests).toHaveLength(3);
      expect(await c.store.findTokenById(token.id)).toEqual(token);
      expectNoSecret(error, [token.refreshToken, token.accessToken, CLIENT_SECRET]);
    });

    it("Zoho: 'invalid_code' is INVALID_GRANT", async () => {
      const c = await setup();
      const endpoint = await c.endpoint({ flavor: 'zoho' });
      const token = await expiredToken(c, endpoint);
      endpoint.failNext({ kind: 'invalid_grant' });
      const error = await rejection(
        createTokenRefresher(c.store, { ...FAST, refresh: zohoRefresh({ accountsUrl: endpoint.url }) }).getAccessToken({
          userSignature: USER,
        }),
      );
      expect(error.code).toBe('INVALID_GRANT');
      expect(await c.store.findTokenById(token.id)).toEqual(token);
    });

    // Stores that live in one process (memory) have no cross-process cases: none are registered.
    if (target.processes) {
      describe('across processes', () => {
        it('4 processes × 25 concurrent callers: exactly 1 refresh request, every caller gets the new access token', async () => {
          const c = await setup();
          const endpoint = await c.endpoint();
          await expiredToken(c, endpoint);
          const children = Array.from({ length: 4 }, () => c.spawn({ callers: 25, tokenUrl: endpoint.tokenUrl }));
          await Promise.all(children.map((child) => child.ready));
          for (const child of children) child.go();
          const results = (await Promise.all(children.map((child) => child.results))).flat();
          expect(results).toHaveLength(100);
          expect(results.filter((result) => !result.ok)).toEqual([]);
          expect(endpoint.requests).toHaveLength(1);
          expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
        });

        it('the refresher SIGKILLed during its request: another process refreshes after the lease expires, within the bound', async () => {
          const c = await setup();
          const endpoint = await c.endpoint();
          const token = await expiredToken(c, endpoint);
          endpoint.failNext({ kind: 'delay', ms: 60_000 });
          const doomed = c.spawn({ callers: 1, tokenUrl: endpoint.tokenUrl });
          const others = Array.from({ length: 3 }, () => c.spawn({ callers: 10, tokenUrl: endpoint.tokenUrl }));
          await Promise.all([doomed.ready, ...others.map((child) => child.ready)]);
          doomed.go();
          await until(() => endpoint.requests.length === 1);
          doomed.kill();
          for (const child of others) child.go();
          const results: CallerResult[] = (await Promise.all(others.map((child) => child.results))).flat();
          expect(results.filter((result) => !result.ok)).toEqual([]);
          expect(endpoint.requests).toHaveLength(2);
          expect(results.every((result) => result.accessToken === endpoint.lastAccessToken)).toBe(true);
          // The documented bound of one call: waitMs + leaseMs (plus slack for a loaded machine).
          expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(WAIT_MS + LEASE_MS + 5_000);
          expect((await c.store.findTokenById(token.id))?.accessToken).toBe(endpoint.lastAccessToken);
        });
      });
    }
  });
}

/** Only the six operations: no insert hook, as a store written against the interface would be. */
function publicApiOf(store: TokenStore): TokenStore {
  return {
    namespace: store.namespace,
    findToken: (partial) => store.findToken(partial),
    findTokenById: (id) => store.findTokenById(id),
    saveToken: (token) => store.saveToken(token),
    deleteToken: (id) => store.deleteToken(id),
    getTokens: () => store.getTokens(),
    deleteTokens: () => store.deleteTokens(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
