import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLIENT_ID, CLIENT_SECRET } from './helpers/sdk-lines.js';
import { ZohoServer } from './helpers/zoho-server.js';

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: the SDK's classes, driven as its README shows.
const TS8: any = require('@zohocrm/typescript-sdk-8.0');

let zoho: ZohoServer;
let dir: string;
beforeAll(async () => {
  zoho = await ZohoServer.start();
  dir = mkdtempSync(join(tmpdir(), 'tokens-zoho-baseline-'));
});
afterAll(async () => {
  await zoho.close();
  rmSync(dir, { recursive: true, force: true });
});

// What the bridge is measured against: the same 5 concurrent calls as in the bridge tests, on
// the SDK's own FileStore. If this stopped sending several refreshes, the "1 refresh" tests
// would prove nothing.
it('without the bridge, typescript-sdk-8.0 on its own FileStore sends one refresh per concurrent call on an expired token', async () => {
  const token = new TS8.OAuthBuilder()
    .clientId(CLIENT_ID)
    .clientSecret(CLIENT_SECRET)
    .refreshToken('refresh-baseline')
    .userSignature(new TS8.UserSignature('base@example.com'))
    .build();
  token.setAccessToken('access-baseline');
  token.setExpiresIn(String(Date.now() + 3_600_000));
  token.setAPIDomain(zoho.url);
  const store = new TS8.FileStore(join(dir, 'tokens.txt'));
  await store.saveToken(token);
  const environment = new TS8.Environment(zoho.url, zoho.tokenUrl, zoho.url);
  const user = new TS8.OAuthBuilder().userSignature(new TS8.UserSignature('base@example.com')).build();
  await (await new TS8.InitializeBuilder()).environment(environment).token(user).store(store).resourcePath(dir).initialize();
  const records = new TS8.Record.RecordOperations('Leads');
  await records.getRecords(new TS8.ParameterMap(), new TS8.HeaderMap());
  // An hour later.
  user.setExpiresIn(String(Date.now() - 1_000));
  const [stored] = await store.getTokens();
  stored.setExpiresIn(String(Date.now() - 1_000));
  await store.saveToken(stored);
  zoho.reset();
  await Promise.all(Array.from({ length: 5 }, () => records.getRecords(new TS8.ParameterMap(), new TS8.HeaderMap())));
  console.log(`baseline: 5 concurrent calls on FileStore sent ${zoho.count('refresh_token')} refresh requests`);
  expect(zoho.count('refresh_token')).toBeGreaterThan(1);
});
