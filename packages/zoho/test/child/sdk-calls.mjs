// One app process: the Zoho SDK on @tokens/zoho (the built package), initialized for one user,
// then N concurrent get-records calls. Prints the HTTP statuses as JSON.

import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { LINE, STORE, ZOHO_URL, USER, CALLS, CLIENT_ID, CLIENT_SECRET } = process.env;
const config = JSON.parse(STORE);
const calls = Number(CALLS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'tokens-zoho-child-'));

async function openStore() {
  if (config.kind === 'sqlite')
    return (await import('@tokens/sqlite')).createSqliteStore({ path: config.path, namespace: config.namespace });
  if (config.kind === 'redis') return (await import('@tokens/redis')).createRedisStore({ url: config.url, namespace: config.namespace });
  const { host, port, user, password, database, namespace } = config;
  return (await import('@tokens/mysql')).createMysqlStore({ host, port, user, password, database, namespace });
}

const store = await openStore();
const { zohoStore } = await import(`../../dist/${LINE}.mjs`);
const bridge = zohoStore(store, { leaseMs: 5_000, waitMs: 20_000 });
let statuses;
if (LINE === 'nodejs-sdk-2.0') {
  const base = '@zohocrm/nodejs-sdk-2.0';
  const { Environment } = require(`${base}/routes/dc/environment`);
  const { UserSignature } = require(`${base}/routes/user_signature`);
  const { OAuthBuilder } = require(`${base}/models/authenticator/oauth_builder`);
  const { Initializer } = require(`${base}/routes/initializer`);
  const { LogBuilder } = require(`${base}/routes/logger/log_builder`);
  const { SDKConfigBuilder } = require(`${base}/routes/sdk_config_builder`);
  const { RecordOperations } = require(`${base}/core/com/zoho/crm/api/record/record_operations`);
  const { ParameterMap } = require(`${base}/routes/parameter_map`);
  const { HeaderMap } = require(`${base}/routes/header_map`);
  const token = new OAuthBuilder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken('placeholder').build();
  const env = new Environment(ZOHO_URL, `${ZOHO_URL}/oauth/v2/token`, ZOHO_URL, 'local');
  const logger = new LogBuilder().level('error').filePath(join(dir, 'sdk.log')).build();
  await Initializer.initialize(new UserSignature(USER), env, token, bridge, new SDKConfigBuilder().build(), dir, logger);
  statuses = await Promise.all(
    Array.from({ length: calls }, async () =>
      (await new RecordOperations().getRecords('Leads', new ParameterMap(), new HeaderMap())).getStatusCode(),
    ),
  );
} else {
  const imported = await import(`@zohocrm/${LINE}`);
  const sdk = imported.default ?? imported;
  const token = new sdk.OAuthBuilder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).userSignature(new sdk.UserSignature(USER)).build();
  const env = new sdk.Environment(ZOHO_URL, `${ZOHO_URL}/oauth/v2/token`, ZOHO_URL);
  await (await new sdk.InitializeBuilder()).environment(env).token(token).store(bridge).resourcePath(dir).initialize();
  statuses = await Promise.all(
    Array.from({ length: calls }, async () =>
      (await new sdk.Record.RecordOperations('Leads').getRecords(new sdk.ParameterMap(), new sdk.HeaderMap())).getStatusCode(),
    ),
  );
}
await store.close();
process.stdout.write(JSON.stringify(statuses));
