import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import type { StoredToken, TokenStore } from '@tokens/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET, sdkLine, type TokenSpec } from './helpers/sdk-lines.js';
import { openStore, type StoreKind, storeKind } from './helpers/stores.js';
import { ZohoServer } from './helpers/zoho-server.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const STORES = ['sqlite', 'redis', 'mysql'] as const;

/** Every bullet of issue 10's "What must be shown", for one SDK line on sqlite, redis and mysql. */
export function describeBridge(lineName: string): void {
  const line = sdkLine(lineName);
  let zoho: ZohoServer;

  beforeAll(async () => {
    zoho = await ZohoServer.start();
    line.setServer(zoho);
  });
  afterAll(async () => {
    await zoho?.close();
  });

  describe.each(STORES)(`${lineName} on @tokens/%s`, (kindName) => {
    const kind: StoreKind = storeKind(kindName);
    let available = false;
    let store: TokenStore;
    let namespace: string;
    let counter = 0;

    beforeAll(async () => {
      available = await kind.setup();
    });
    afterAll(async () => {
      await kind.dispose();
    });
    beforeEach(({ skip }) => {
      if (!available) skip(`${kindName} server not installed`);
      namespace = `zoho_${lineName.replace(/\W/g, '_')}_${++counter}`;
      store = openStore(kind.config(namespace));
      zoho.reset();
    });
    afterEach(async () => {
      await store?.close().catch(() => {});
    });

    /** A token as if an earlier run of the app had stored it. */
    const seed = (user: string, fields: Partial<StoredToken> = {}) =>
      store.saveToken({
        userSignature: user,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        refreshToken: `refresh-of-${user}`,
        accessToken: `access-of-${user}`,
        expiryTime: Date.now() + HOUR,
        apiDomain: zoho.url,
        ...fields,
      });

    /** Initialize the SDK for this token and make one API call, as an app's first request does. */
    const use = async (spec: TokenSpec) => {
      const bridge = await line.bridge(store);
      const token = line.token(spec);
      await line.initialize(token, spec, bridge);
      expect(await line.getRecords()).toBe(200);
      return token;
    };

    it('first login with a grant token: one authorization-code request, one stored record, the SDK token learns its id', async () => {
      const token = await use({ user: `ada.${kindName}@example.com`, grantToken: 'grant-ada' });
      expect(zoho.count('authorization_code')).toBe(1);
      expect(zoho.count('refresh_token')).toBe(0);
      const tokens = await store.getTokens();
      expect(tokens).toHaveLength(1);
      const [stored] = tokens as [StoredToken];
      expect(stored.userSignature).toBe(`ada.${kindName}@example.com`);
      expect(stored.accessToken).toMatch(/^access-/);
      expect(stored.refreshToken).toBe('refresh-for-grant-ada');
      expect(stored.expiryTime).toBeGreaterThan(Date.now() + HOUR / 2);
      expect(line.idOf(token)).toBe(stored.id);
    });

    it('a token given by user only is served from the store: no request, record untouched', async () => {
      const seeded = await seed(`bea.${kindName}@example.com`);
      await use({ user: `bea.${kindName}@example.com` });
      expect(zoho.tokenRequests).toHaveLength(0);
      expect(zoho.apiRequests.at(-1)?.authorization).toBe(`Zoho-oauthtoken access-of-bea.${kindName}@example.com`);
      expect(await store.findTokenById(seeded.id)).toEqual(seeded);
    });

    it('an expired token: one refresh with the stored refresh token, the new access token stored, the refresh token kept, one record', async () => {
      const seeded = await seed(`cy.${kindName}@example.com`, { expiryTime: Date.now() - 1_000 });
      await use({ user: `cy.${kindName}@example.com` });
      expect(zoho.tokenRequests).toEqual([{ grantType: 'refresh_token', refreshToken: `refresh-of-cy.${kindName}@example.com` }]);
      const after = await store.findTokenById(seeded.id);
      expect(after?.accessToken).toMatch(/^access-\d+$/);
      expect(after?.refreshToken).toBe(`refresh-of-cy.${kindName}@example.com`);
      expect(after?.expiryTime).toBeGreaterThan(Date.now() + HOUR / 2);
      expect(zoho.apiRequests.at(-1)?.authorization).toBe(`Zoho-oauthtoken ${after?.accessToken}`);
      expect(await store.getTokens()).toHaveLength(1);
    });

    it('a refresh the accounts server refuses (400 invalid_code): the SDK throws, the record is exactly as before', async () => {
      const seeded = await seed(`dan.${kindName}@example.com`, { expiryTime: Date.now() - 1_000 });
      zoho.refuseRefresh = true;
      const error = await use({ user: `dan.${kindName}@example.com` }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Error);
      expect(describeError(error)).toMatch(/INVALID_GRANT/);
      expect(zoho.count('refresh_token')).toBe(1);
      expect(await store.findTokenById(seeded.id)).toEqual(seeded);
      expect(await store.getTokens()).toEqual([seeded]);
    });

    it('tokens built by id are served through findTokenById; an unknown id throws without any request', async () => {
      const seeded = await seed(`eve.${kindName}@example.com`, { id: 'zoho-7' });
      await use({ id: 'zoho-7', user: `eve.${kindName}@example.com` });
      expect(zoho.tokenRequests).toHaveLength(0);
      expect(zoho.apiRequests.at(-1)?.authorization).toBe(`Zoho-oauthtoken access-of-eve.${kindName}@example.com`);
      expect(await store.findTokenById('zoho-7')).toEqual(seeded);

      zoho.reset();
      const error = await use({ id: 'no-such-id', user: `eve.${kindName}@example.com` }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(describeError(error)).toMatch(/Given ID is invalid/);
      expect(zoho.tokenRequests).toHaveLength(0);
      expect(zoho.apiRequests).toHaveLength(0);
    });

    it('20 users initialized in parallel: 20 records, each with its own access token; 5 parallel first logins of one user: 1 record', async () => {
      await seed(`setup.${kindName}@example.com`);
      const bridge = await line.bridge(store);
      await line.initialize(line.token({ user: `setup.${kindName}@example.com` }), { user: `setup.${kindName}@example.com` }, bridge);
      const specs = Array.from({ length: 20 }, (_, i) => ({
        user: `user${i}.${kindName}@example.com`,
        grantToken: `grant-user-${String(i).padStart(2, '0')}`,
      }));
      await line.loginAll(
        specs.map((spec) => line.token(spec)),
        specs,
        bridge,
      );
      const users = (await store.getTokens()).filter((token) => token.userSignature?.startsWith('user'));
      expect(users).toHaveLength(20);
      expect(new Set(users.map((token) => token.accessToken)).size).toBe(20);
      for (const token of users) {
        const i = /^user(\d+)\./.exec(token.userSignature ?? '')?.[1] ?? '';
        expect(token.refreshToken).toBe(`refresh-for-grant-user-${i.padStart(2, '0')}`);
      }

      const same = Array.from({ length: 5 }, () => ({ user: `twin.${kindName}@example.com`, grantToken: 'grant-twin' }));
      await line.loginAll(
        same.map((spec) => line.token(spec)),
        same,
        bridge,
      );
      expect((await store.getTokens()).filter((token) => token.userSignature === `twin.${kindName}@example.com`)).toHaveLength(1);
    });

    it('5 concurrent API calls on an expired token: 1 refresh request', async () => {
      const seeded = await seed(`fay.${kindName}@example.com`);
      const token = await use({ user: `fay.${kindName}@example.com` });
      // An hour later: the stored token has expired (and so has the SDK's copy in memory).
      await store.saveToken({ id: seeded.id, expiryTime: Date.now() - 1_000 });
      token.setExpiresIn(String(Date.now() - 1_000));
      zoho.reset();
      expect(await Promise.all(Array.from({ length: 5 }, () => line.getRecords()))).toEqual([200, 200, 200, 200, 200]);
      expect(zoho.count('refresh_token')).toBe(1);
      const fresh = await store.findTokenById(seeded.id);
      expect(new Set(zoho.apiRequests.map((request) => request.authorization))).toEqual(new Set([`Zoho-oauthtoken ${fresh?.accessToken}`]));
    });

    it('4 processes × 5 calls on one shared store: 1 refresh request', async () => {
      await seed(`gus.${kindName}@example.com`, { expiryTime: Date.now() - 1_000 });
      const env = {
        ...process.env,
        LINE: lineName,
        STORE: JSON.stringify(kind.config(namespace)),
        ZOHO_URL: zoho.url,
        USER: `gus.${kindName}@example.com`,
        CALLS: '5',
        CLIENT_ID,
        CLIENT_SECRET,
      };
      const child = join(import.meta.dirname, 'child', 'sdk-calls.mjs');
      const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, [child], { env, cwd: import.meta.dirname })));
      for (const { stdout } of outputs) expect(JSON.parse(stdout)).toEqual([200, 200, 200, 200, 200]);
      expect(zoho.count('refresh_token')).toBe(1);
      expect(await store.getTokens()).toHaveLength(1);
    }, 120_000);

    it('a store error reaches the caller with our code visible, and no secret', async () => {
      await seed(`hal.${kindName}@example.com`);
      const token = await use({ user: `hal.${kindName}@example.com` });
      const expected = await kind.breakStore(store);
      try {
        token.setExpiresIn(String(Date.now() - 1_000));
        const error = await line.getRecords().then(
          () => null,
          (thrown: unknown) => thrown,
        );
        const text = describeError(error);
        expect(text).toContain(`TOKEN_STORE_${expected.code}`);
        expect(text).toContain(`@tokens/${expected.backend}`);
        const printed = inspect(error, { depth: 20 });
        for (const secret of [CLIENT_SECRET, `refresh-of-hal.${kindName}@example.com`, `access-of-hal.${kindName}@example.com`]) {
          expect(printed).not.toContain(secret);
          expect(text).not.toContain(secret);
        }
      } finally {
        await kind.repair();
      }
    });
  });
}

/** Everything the caller can read off what the SDK threw: code, message, toString, and the causes'. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const value = current as { code?: unknown; message?: unknown; cause?: unknown };
    parts.push(String(value.code ?? ''), String(value.message ?? ''), String(current));
    current = value.cause;
  }
  return parts.join(' | ');
}
