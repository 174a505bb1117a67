import type { LookupKind } from '@tokens/core';
import { TokenStoreError } from '@tokens/core';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Records which tables this package owns and at which schema version. Its name starts with `_`,
 * which no namespace can, so it never clashes with a token table.
 */
export const META_TABLE = '_tokens_schema';

export const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];

/** Column of each data field; key columns hold `hashKey` of the value (NULL when absent). */
export const FIELD_COLUMNS = {
  userSignature: 'user_signature',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  redirectUrl: 'redirect_url',
  grantToken: 'grant_token',
  refreshToken: 'refresh_token',
  accessToken: 'access_token',
  expiryTime: 'expiry_time',
  apiDomain: 'api_domain',
} as const;

export const KEY_COLUMNS: Record<LookupKind, string> = {
  user: 'user_key',
  access: 'access_key',
  refresh: 'refresh_key',
  grant: 'grant_key',
};

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The table is named after the namespace (`tokens` by default). */
export function tableName(namespace: string): string {
  return quoteIdentifier(namespace);
}

/**
 * Index names share one name space with tables: the leading `_` keeps them apart from every
 * namespace, and the kind as last segment keeps two namespaces' index names apart.
 */
export function indexName(namespace: string, kind: LookupKind): string {
  return quoteIdentifier(`_tokens_${namespace}_${kind}`);
}

/** Migration i takes a table from version i to i + 1. Append, never edit, once released. */
const MIGRATIONS: ReadonlyArray<(namespace: string) => string[]> = [
  (namespace) => {
    const table = tableName(namespace);
    // STRICT: a stray value of the wrong type is refused on write instead of read back as garbage.
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (
        id TEXT PRIMARY KEY NOT NULL,
        version INTEGER NOT NULL,
        user_signature TEXT, client_id TEXT, client_secret TEXT, redirect_url TEXT,
        grant_token TEXT, refresh_token TEXT, access_token TEXT, expiry_time INTEGER, api_domain TEXT,
        user_key TEXT, access_key TEXT, refresh_key TEXT, grant_key TEXT
      ) STRICT`,
      ...KINDS.map((kind) => `CREATE UNIQUE INDEX IF NOT EXISTS ${indexName(namespace, kind)} ON ${table} (${KEY_COLUMNS[kind]})`),
    ];
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates or migrates the namespace's table. The check runs without a write lock when the table
 * is current; otherwise it is repeated under BEGIN IMMEDIATE, so processes racing to create or
 * migrate the same table take turns and the loser finds the work done.
 */
export function ensureSchema(db: BetterSqlite3.Database, namespace: string): void {
  if (namespace.startsWith('sqlite_')) throw schemaError('SQLite reserves table names beginning with "sqlite_": choose another namespace');
  if (tableVersion(db, namespace) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const version = tableVersion(db, namespace);
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION) {
      throw schemaError(
        `table "${namespace}" has schema version ${version}, newer than this @tokens/sqlite knows (${SCHEMA_VERSION}): upgrade @tokens/sqlite`,
      );
    }
    if (version === 0 && tableExists(db, namespace)) {
      throw schemaError(`a table named "${namespace}" already exists and was not created by @tokens/sqlite: choose another namespace`);
    }
    db.exec(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL) STRICT`);
    for (let step = version; step < SCHEMA_VERSION; step++) {
      for (const sql of MIGRATIONS[step]!(namespace)) db.exec(sql);
    }
    db.prepare(
      `INSERT INTO ${META_TABLE} (table_name, version) VALUES (?, ?) ON CONFLICT (table_name) DO UPDATE SET version = excluded.version`,
    ).run(namespace, SCHEMA_VERSION);
  }).immediate();
}

/** The recorded version of the namespace's table, 0 if it has none (or its table was dropped). */
export function tableVersion(db: BetterSqlite3.Database, namespace: string): number {
  if (!tableExists(db, META_TABLE)) return 0;
  const row = db.prepare(`SELECT version FROM ${META_TABLE} WHERE table_name = ?`).safeIntegers(false).get(namespace) as
    | { version: number }
    | undefined;
  if (!row) return 0;
  return tableExists(db, namespace) ? row.version : 0;
}

function tableExists(db: BetterSqlite3.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function schemaError(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'sqlite', operation: 'create', reason });
}
