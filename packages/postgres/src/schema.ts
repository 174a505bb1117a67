/** Bumped when the table layout changes; a store refuses tables of a newer version than it knows. */
export const SCHEMA_VERSION = 1;

/** One row per namespace of a schema. No namespace can start with "_", so it never collides with a token table. */
export const META_TABLE = '_tokens_schema';

/** Transaction-scoped advisory lock: schema set-up of concurrent stores (processes, app servers) runs one at a time. */
export const SCHEMA_LOCK_KEY = '7630454157118517329'; // 0x69e4d1a0c5f3b051, an arbitrary constant of this package

/**
 * Schemas the store may use: an unquoted-style identifier (letters, digits, `_`, at most 63 bytes,
 * PostgreSQL's limit), so that quoting it is enough and no `"` ever needs escaping. The name is
 * exact: `App` is the schema created as `CREATE SCHEMA "App"`. `pg_*` names are reserved.
 */
export const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function isValidSchema(schema: string): boolean {
  return SCHEMA_PATTERN.test(schema) && !schema.toLowerCase().startsWith('pg_');
}

/** Names are checked (namespace: /^[a-z][a-z0-9_]{0,47}$/, schema: SCHEMA_PATTERN), so double quotes are enough. */
export function quote(identifier: string): string {
  return `"${identifier}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quote(schema)}.${quote(table)}`;
}

export function createMetaTable(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, META_TABLE)} (
  namespace text COLLATE "C" NOT NULL PRIMARY KEY,
  version integer NOT NULL
)`;
}

/**
 * - id and values: bytea holding the UTF-8 bytes. PostgreSQL text cannot hold NUL (U+0000), which
 *   the contract allows, and bytea compares byte for byte whatever the database's encoding or
 *   collation: 'a' and 'a ' are two ids, 'A' and 'a' two users.
 * - *_key: SHA-256 (base64url, 43 ASCII characters) of the lookup values, or NULL when absent, in
 *   the "C" collation: short unique indexes with exact matching; NULLs never collide.
 * Index names carry the table name: they share the schema's namespace with tables (at most
 * 48 + 12 characters, under PostgreSQL's 63).
 */
export function createTokenTable(schema: string, table: string): string {
  const key = 'varchar(43) COLLATE "C"';
  return `CREATE TABLE ${qualified(schema, table)} (
  id bytea NOT NULL,
  version integer NOT NULL,
  user_key ${key},
  access_key ${key},
  refresh_key ${key},
  grant_key ${key},
  user_signature bytea,
  client_id bytea,
  client_secret bytea,
  redirect_url bytea,
  grant_token bytea,
  refresh_token bytea,
  access_token bytea,
  expiry_time bigint,
  api_domain bytea,
  CONSTRAINT ${quote(`${table}_pkey`)} PRIMARY KEY (id),
  CONSTRAINT ${quote(`${table}_user_key`)} UNIQUE (user_key),
  CONSTRAINT ${quote(`${table}_access_key`)} UNIQUE (access_key),
  CONSTRAINT ${quote(`${table}_refresh_key`)} UNIQUE (refresh_key),
  CONSTRAINT ${quote(`${table}_grant_key`)} UNIQUE (grant_key)
)`;
}
