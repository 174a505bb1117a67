import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenStore } from '@tokens/core';
import { createSqliteStore } from '@tokens/sqlite';
import { type MariaDbServer, startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importZohoDbStore, importZohoFileStore } from '../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, sdkLine } from './helpers/sdk-lines.js';
import { ZohoServer } from './helpers/zoho-server.js';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: the SDKs' classes, driven as their READMEs show.
type Any = any;
const TS8: Any = require('@zohocrm/typescript-sdk-8.0');
const NJ2 = (path: string, name: string): Any => require(`@zohocrm/nodejs-sdk-2.0/${path}`)[name];
const USERS = ['ann@example.com', 'bob@example.com', 'cat@example.com'];
const HOUR = 3_600_000;

let zoho: ZohoServer;
let dir: string;
let store: TokenStore;

beforeAll(async () => {
  zoho = await ZohoServer.start();
});
afterAll(async () => {
  await zoho.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokens-zoho-import-'));
  store = createSqliteStore({ path: join(dir, 'tokens.db') });
  zoho.reset();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A token as the SDK holds it after a login: what its own stores persist. */
function ts8Token(user: string): Any {
  const token = new TS8.OAuthBuilder()
    .clientId(CLIENT_ID)
    .clientSecret(CLIENT_SECRET)
    .refreshToken(`refresh-${user}`)
    .userSignature(new TS8.UserSignature(user))
    .build();
  token.setAccessToken(`access-${user}`);
  token.setExpiresIn(String(Date.now() + HOUR));
  token.setAPIDomain(zoho.url);
  return token;
}

/** The SDK line serves each user from the store: its API call must cost no login and no refresh. */
async function servesEveryone(lineName: string, users: string[]): Promise<void> {
  const line = sdkLine(lineName);
  line.setServer(zoho);
  const bridge = await line.bridge(store);
  for (const user of users) {
    await line.initialize(line.token({ user }), { user }, bridge);
    expect(await line.getRecords()).toBe(200);
    expect(zoho.apiRequests.at(-1)?.authorization).toBe(`Zoho-oauthtoken access-${user}`);
  }
  expect(zoho.tokenRequests).toEqual([]);
}

describe('importZohoFileStore', () => {
  it("imports a CSV written by typescript-sdk-8.0's own FileStore; a re-run updates nothing and duplicates nothing; the SDK then serves every user with no token request", async () => {
    const csv = join(dir, 'zcrm_oauthtokens.txt');
    const fileStore = new TS8.FileStore(csv);
    for (const user of USERS) await fileStore.saveToken(ts8Token(user));
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe(
      'id,user_mail,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain',
    );

    expect(await importZohoFileStore(csv, store)).toEqual({ imported: 3, updated: 0, unchanged: 0, skipped: 0, issues: [] });
    expect(await importZohoFileStore(csv, store)).toEqual({ imported: 0, updated: 0, unchanged: 3, skipped: 0, issues: [] });
    const tokens = await store.getTokens();
    expect(tokens.map((token) => token.id).sort()).toEqual(['1', '2', '3']);
    const ann = tokens.find((token) => token.userSignature === 'ann@example.com');
    expect(ann).toMatchObject({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      refreshToken: 'refresh-ann@example.com',
      grantToken: null,
      redirectUrl: null,
      apiDomain: zoho.url,
    });

    await servesEveryone('typescript-sdk-8.0', USERS);
  });

  it("imports nodejs-sdk-8.0's user_name file and nodejs-sdk-2.0's legacy 9-column file", async () => {
    const modern = join(dir, 'nj8.txt');
    const expiry = Date.now() + HOUR;
    writeFileSync(
      modern,
      `id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain\n1,ann@example.com,${CLIENT_ID},${CLIENT_SECRET},refresh-ann@example.com,access-ann@example.com,,${expiry},,${zoho.url}`,
    );
    expect(await importZohoFileStore(modern, store)).toMatchObject({ imported: 1, skipped: 0 });

    // Written by nodejs-sdk-2.0's own FileStore (9 columns, no api_domain).
    const legacy = join(dir, 'nj2.txt');
    const FileStore = NJ2('models/authenticator/store/file_store', 'FileStore');
    const UserSignature = NJ2('routes/user_signature', 'UserSignature');
    const OAuthBuilder = NJ2('models/authenticator/oauth_builder', 'OAuthBuilder');
    const nj2 = new FileStore(legacy);
    for (const user of ['bob@example.com', 'cat@example.com']) {
      const token = new OAuthBuilder().clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).refreshToken(`refresh-${user}`).build();
      token.setId(`NODEJS_${user.slice(0, 3)}`);
      token.setAccessToken(`access-${user}`);
      token.setExpiresIn(String(expiry));
      await nj2.saveToken(new UserSignature(user), token);
    }
    expect(readFileSync(legacy, 'utf8').split('\n')[0]?.split(',')).toHaveLength(9);
    expect(await importZohoFileStore(legacy, store)).toEqual({ imported: 2, updated: 0, unchanged: 0, skipped: 0, issues: [] });
    expect((await store.findTokenById('NODEJS_bob'))?.apiDomain).toBeNull();

    await servesEveryone('nodejs-sdk-2.0', ['bob@example.com', 'cat@example.com']);
  });

  it('a row broken by a comma or a line break in a value is reported with its line and reason, no secret, and skipped; the others are imported', async () => {
    const csv = join(dir, 'broken.txt');
    const expiry = Date.now() + HOUR;
    const row = (id: string, user: string, redirect = '') =>
      `${id},${user},${CLIENT_ID},${CLIENT_SECRET},refresh-${user},access-${user},,${expiry},${redirect},${zoho.url}`;
    writeFileSync(
      csv,
      [
        'id,user_mail,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain',
        row('1', 'ann@example.com'),
        `2,dan@example.com,${CLIENT_ID},secret-with,comma-dan,refresh-dan,access-dan,,${expiry},,${zoho.url}`,
        row('3', 'bob@example.com'),
        `4,eve@example.com,${CLIENT_ID},secret-with-line\nbreak-eve,refresh-eve,access-eve,,${expiry},,${zoho.url}`,
        row('5', 'cat@example.com', 'https://app.example.com/callback'),
      ].join('\n'),
    );
    const report = await importZohoFileStore(csv, store);
    expect(report).toMatchObject({ imported: 3, updated: 0, unchanged: 0, skipped: 3 });
    expect(report.issues.map((issue) => issue.row)).toEqual([3, 5, 6]);
    expect(report.issues[0]).toMatchObject({ row: 3, id: '2' });
    for (const issue of report.issues) expect(issue.reason).toMatch(/cells where the header has 10/);
    const printed = JSON.stringify(report);
    for (const secret of [
      'comma-dan',
      'refresh-dan',
      'access-dan',
      'break-eve',
      'refresh-eve',
      'access-eve',
      'secret-with',
      CLIENT_SECRET,
    ]) {
      expect(printed).not.toContain(secret);
    }
    expect((await store.getTokens()).map((token) => token.userSignature).sort()).toEqual(USERS);
    expect((await store.findTokenById('5'))?.redirectUrl).toBe('https://app.example.com/callback');
  });

  it('the tokens-zoho-import bin imports a FileStore CSV into a sqlite store and prints the report', async () => {
    const csv = join(dir, 'zcrm_oauthtokens.txt');
    const fileStore = new TS8.FileStore(csv);
    for (const user of USERS) await fileStore.saveToken(ts8Token(user));
    const target = join(dir, 'cli.db');
    const bin = join(import.meta.dirname, '..', 'dist', 'bin.mjs');
    const first = await run(process.execPath, [bin, '--from-csv', csv, '--to', `sqlite:${target}`]);
    expect(first.stdout).toContain('imported 3, updated 0, unchanged 0, skipped 0');
    const again = await run(process.execPath, [bin, '--from-csv', csv, '--to', `sqlite:${target}`, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, unchanged: 3 });
    const check = createSqliteStore({ path: target });
    expect(await check.getTokens()).toHaveLength(3);
    await check.close();
  });
});

describe('importZohoDbStore', () => {
  let server: MariaDbServer | null = null;

  beforeAll(async () => {
    server = await startMariaDb();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("imports the oauthtoken table written by the SDK's own DBStore on MariaDB; a re-run duplicates nothing; the SDK then serves every user with no token request", async ({
    skip,
  }) => {
    if (!server) return skip('MariaDB not installed');
    const connection = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
    });
    // The schema of the SDK README.
    await connection.query(`CREATE TABLE oauthtoken (
      id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255), client_secret varchar(255),
      refresh_token varchar(255), access_token varchar(255), grant_token varchar(255), expiry_time varchar(20),
      redirect_url varchar(255), api_domain varchar(255), primary key (id))`);
    await connection.end();
    const dbStore = new TS8.DBBuilder()
      .host(server.host)
      .portNumber(server.port)
      .userName(server.user)
      .password(server.password)
      .databaseName(server.database)
      .tableName('oauthtoken')
      .build();
    // DBStore's id generation races with itself: save one at a time, as the SDK does per login.
    for (const user of USERS) await dbStore.saveToken(ts8Token(user));
    expect(await dbStore.getTokens()).toHaveLength(3);

    const options = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
    expect(await importZohoDbStore(options, store)).toEqual({ imported: 3, updated: 0, unchanged: 0, skipped: 0, issues: [] });
    expect(await importZohoDbStore(options, store)).toEqual({ imported: 0, updated: 0, unchanged: 3, skipped: 0, issues: [] });
    expect(await store.getTokens()).toHaveLength(3);

    await servesEveryone('typescript-sdk-8.0', USERS);
  });

  it('an unreachable database is an UNAVAILABLE error without the password', async ({ skip }) => {
    if (!server) return skip('MariaDB not installed');
    const error = await importZohoDbStore(
      { host: server.host, port: server.port, user: server.user, password: 'wrong-password-xyz', database: server.database },
      store,
    ).catch((thrown: unknown) => thrown as Error & { code?: string });
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(String(error)).toMatch(/@tokens\/zoho: importZohoDbStore: cannot connect/);
    expect(String(error)).not.toContain('wrong-password-xyz');
  });
});
