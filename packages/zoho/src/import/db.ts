import { type TokenStore, TokenStoreError } from '@tokens/core';
import { emptyReport, type ImportReport } from './report.js';
import { importRow, type ZohoRow } from './rows.js';

export interface ZohoDbImportOptions {
  /** The SDK's DBBuilder defaults: localhost, 3306, root, no password, database `zohooauth`, table `oauthtoken`. */
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  table?: string;
  /** Or a `mysql://user:password@host:port/database` URI. */
  uri?: string;
  connectTimeoutMs?: number;
}

type Cell = string | number | Buffer | null | undefined;

const text = (value: Cell): string | null => {
  if (value === null || value === undefined) return null;
  const string = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return string === '' ? null : string;
};

/** mysql2's messages name the user and host, never the password; the code is what helps. */
function unreadable(what: string, error: unknown): TokenStoreError {
  const code = (error as { code?: unknown } | null)?.code;
  return new TokenStoreError({
    code: 'UNAVAILABLE',
    backend: 'zoho',
    operation: 'importZohoDbStore',
    reason: `${what} (${typeof code === 'string' ? code : 'error'})`,
    cause: error,
  });
}

function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) throw new TypeError('@tokens/zoho: importZohoDbStore: table must be a plain MySQL identifier');
  return `\`${name}\``;
}

/**
 * Copies the tokens of a Zoho SDK `DBStore` table (`oauthtoken`, the schema of the SDK README;
 * `user_name` or `user_mail`, with or without `api_domain`) into a store, reading it with mysql2
 * (an optional peer dependency). Re-running it updates instead of duplicating.
 */
export async function importZohoDbStore(options: ZohoDbImportOptions, store: TokenStore): Promise<ImportReport> {
  const table = quoteIdentifier(options.table ?? 'oauthtoken');
  const mysql = await import('mysql2/promise');
  const config = {
    host: options.host ?? 'localhost',
    port: options.port ?? 3306,
    user: options.user ?? 'root',
    password: options.password ?? '',
    database: options.database ?? 'zohooauth',
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  };
  const connection = await (options.uri ? mysql.createConnection(options.uri) : mysql.createConnection(config)).catch((error: unknown) => {
    throw unreadable('cannot connect', error);
  });
  try {
    const records = await connection
      .query(`SELECT * FROM ${table} ORDER BY id`)
      .then(([result]) => result as Record<string, Cell>[])
      .catch((error: unknown) => {
        throw unreadable('cannot read the table', error);
      });
    const report = emptyReport();
    for (const [index, record] of records.entries()) {
      const row: ZohoRow = {
        id: text(record.id),
        user: text(record.user_name ?? record.user_mail),
        clientId: text(record.client_id),
        clientSecret: text(record.client_secret),
        refreshToken: text(record.refresh_token),
        accessToken: text(record.access_token),
        grantToken: text(record.grant_token),
        expiryTime: text(record.expiry_time),
        redirectUrl: text(record.redirect_url),
        apiDomain: text(record.api_domain),
      };
      await importRow(store, row, index + 1, report);
    }
    return report;
  } finally {
    await connection.end().catch(() => undefined);
  }
}
