// A Zoho CRM app on @zohocrm/typescript-sdk-8.0 whose tokens live in SQLite through @tokens.
// The one line that differs from the SDK README: `.store(zohoStore(createSqliteStore(...)))`
// instead of `.store(new FileStore(...))` or `new DBBuilder()...build()`.
//
//   npm install @tokens/zoho @tokens/sqlite better-sqlite3 @zohocrm/typescript-sdk-8.0
//   node app.mjs [tokens.db]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactToken } from '@tokens/core';
import { createSqliteStore } from '@tokens/sqlite';
import { zohoStore } from '@tokens/zoho/typescript-sdk-8.0';
import * as ZOHOCRMSDK from '@zohocrm/typescript-sdk-8.0';
import { startZohoStandIn } from './zoho-stand-in.mjs';

const work = mkdtempSync(join(tmpdir(), 'zoho-crm-example-'));
const zoho = await startZohoStandIn();
const store = createSqliteStore({ path: process.argv[2] ?? join(work, 'tokens.db') });
const log = (line) => console.log(line);

try {
  // Your data center in production: ZOHOCRMSDK.USDataCenter.PRODUCTION(), EUDataCenter, ...
  const environment = new ZOHOCRMSDK.Environment(zoho.url, zoho.tokenUrl, zoho.url);
  const token = new ZOHOCRMSDK.OAuthBuilder()
    .clientId('1000.EXAMPLECLIENTID')
    .clientSecret('example-client-secret')
    .grantToken('1000.grant.from-the-consent-screen')
    .userSignature(new ZOHOCRMSDK.UserSignature('ada@example.com'))
    .build();

  await (await new ZOHOCRMSDK.InitializeBuilder())
    .environment(environment)
    .token(token)
    .store(zohoStore(store)) // ← @tokens instead of FileStore / DBStore
    .resourcePath(work)
    .initialize();
  log(`1. initialized: the grant token was exchanged (${zoho.tokenRequests.join(', ')}); token id ${token.getId()} stored in SQLite`);

  const records = new ZOHOCRMSDK.Record.RecordOperations('Leads');
  const response = await records.getRecords(new ZOHOCRMSDK.ParameterMap(), new ZOHOCRMSDK.HeaderMap());
  const leads = response
    .getObject()
    .getData()
    .map((record) => `${record.getKeyValue('Last_Name')} (${record.getId()})`);
  log(`2. get records on Leads: HTTP ${response.getStatusCode()}, ${leads.join(', ')}`);

  // An hour later the access token has expired. Five requests arrive at once: the SDK alone would
  // send five refresh requests; through the bridge the store refreshes once for all of them.
  const [stored] = await store.getTokens();
  await store.saveToken({ id: stored.id, expiryTime: Date.now() - 1_000 });
  const before = zoho.tokenRequests.length;
  const statuses = await Promise.all(
    Array.from({ length: 5 }, async () =>
      (await records.getRecords(new ZOHOCRMSDK.ParameterMap(), new ZOHOCRMSDK.HeaderMap())).getStatusCode(),
    ),
  );
  const refreshes = zoho.tokenRequests.slice(before).filter((grant) => grant === 'refresh_token').length;
  log(`3. 5 concurrent calls on an expired token: HTTP ${statuses.join(', ')}; refresh requests sent: ${refreshes}`);
  if (refreshes !== 1) throw new Error(`expected exactly 1 refresh request, saw ${refreshes}`);

  const tokens = await store.getTokens();
  log(`4. the store holds ${tokens.length} token (secrets redacted):`);
  console.log(redactToken(tokens[0]));
} finally {
  await store.close();
  await zoho.close();
  rmSync(work, { recursive: true, force: true });
}
