import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT, tokenAt } from '../fixtures.js';

/**
 * The stores users run today: the Zoho CRM TypeScript SDK's own FileStore (a CSV reread and
 * scanned on every call) and DBStore (a new MySQL connection per call, no index). They take the
 * SDK's token objects; this adapter gives them exactly the getters and setters they call.
 */
const require = createRequire(import.meta.url);
const sdkRoot = '@zohocrm/typescript-sdk-8.0/dist';
const { FileStore } = require(`${sdkRoot}/models/authenticator/store/file_store.js`);
const { DBStore } = require(`${sdkRoot}/models/authenticator/store/db_store.js`);
const { UserSignature } = require(`${sdkRoot}/routes/user_signature.js`);

export interface ZohoStore {
  findToken(token: ZohoToken): Promise<ZohoToken | null>;
  saveToken(token: ZohoToken): Promise<void>;
}

export class ZohoToken {
  id: string | null = null;
  user: unknown = null;
  clientId: string | null = null;
  clientSecret: string | null = null;
  refreshToken: string | null = null;
  accessToken: string | null = null;
  grantToken: string | null = null;
  expiresIn: string | null = null;
  redirectUrl: string | null = null;
  apiDomain: string | null = null;

  static forUser(name: string): ZohoToken {
    const token = new ZohoToken();
    token.user = new UserSignature(name);
    return token;
  }
  getId() {
    return this.id;
  }
  setId(value: string | null) {
    this.id = value;
  }
  getUserSignature() {
    return this.user;
  }
  setUserSignature(value: unknown) {
    this.user = value;
  }
  getClientId() {
    return this.clientId;
  }
  setClientId(value: string | null) {
    this.clientId = value;
  }
  getClientSecret() {
    return this.clientSecret;
  }
  setClientSecret(value: string | null) {
    this.clientSecret = value;
  }
  getRefreshToken() {
    return this.refreshToken;
  }
  setRefreshToken(value: string | null) {
    this.refreshToken = value;
  }
  getAccessToken() {
    return this.accessToken;
  }
  setAccessToken(value: string | null) {
    this.accessToken = value;
  }
  getGrantToken() {
    return this.grantToken;
  }
  setGrantToken(value: string | null) {
    this.grantToken = value;
  }
  getExpiresIn() {
    return this.expiresIn;
  }
  setExpiresIn(value: string | null) {
    this.expiresIn = value;
  }
  getRedirectURL() {
    return this.redirectUrl;
  }
  setRedirectURL(value: string | null) {
    this.redirectUrl = value;
  }
  getAPIDomain() {
    return this.apiDomain;
  }
  setAPIDomain(value: string | null) {
    this.apiDomain = value;
  }
}

function csvRow(i: number): string {
  const t = tokenAt(i);
  return [
    i + 1,
    t.userSignature,
    CLIENT.clientId,
    CLIENT.clientSecret,
    t.refreshToken,
    t.accessToken,
    '',
    t.expiryTime,
    t.redirectUrl,
    t.apiDomain,
  ].join(',');
}

/** A Zoho FileStore holding `n` tokens, written the way it writes them. */
export function zohoFileStore(n: number): { store: ZohoStore; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-zoho-'));
  const path = join(dir, 'zoho_tokens.csv');
  const store = new FileStore(path) as ZohoStore;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(csvRow(i));
  appendFileSync(path, `\n${rows.join('\n')}`);
  return { store, close: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface MysqlConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The table as the SDK documents it: text columns, no index. */
export const ZOHO_DB_TABLE = `CREATE TABLE oauthtoken (id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255),
  client_secret varchar(255), refresh_token varchar(255), access_token varchar(255), grant_token varchar(255),
  expiry_time varchar(20), redirect_url varchar(255), api_domain varchar(255), primary key (id))`;

export function zohoDbRows(n: number): unknown[][] {
  return Array.from({ length: n }, (_, i) => {
    const t = tokenAt(i);
    return [
      String(i + 1),
      t.userSignature,
      CLIENT.clientId,
      CLIENT.clientSecret,
      t.refreshToken,
      t.accessToken,
      null,
      String(t.expiryTime),
      t.redirectUrl,
      t.apiDomain,
    ];
  });
}

export function zohoDbStore(connection: MysqlConnection): ZohoStore {
  return new DBStore(
    connection.host,
    connection.database,
    'oauthtoken',
    connection.user,
    connection.password,
    String(connection.port),
  ) as ZohoStore;
}
