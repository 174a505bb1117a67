import type { LookupKind } from '@tokens/core';

/** The unique hashed-key column of each lookup kind. */
export const KEY_COLUMN: Record<LookupKind, string> = {
  user: 'user_key',
  access: 'access_key',
  refresh: 'refresh_key',
  grant: 'grant_key',
};

/** Bumped when the table layout changes; a store refuses tables of a newer version than it knows. */
export const SCHEMA_VERSION = 1;

/** One row per namespace. No namespace can start with "_", so this name never collides with a token table. */
export const META_TABLE = '_tokens_schema';

/** Server-wide named lock: schema changes of concurrent stores (processes, app servers) run one at a time. */
export const SCHEMA_LOCK = '@tokens/mysql:schema';

/** The namespace is checked against /^[a-z][a-z0-9_]{0,47}$/, so quoting it is enough. */
export function quote(identifier: string): string {
  return `\`${identifier}\``;
}

export const createMetaTable = `CREATE TABLE IF NOT EXISTS ${quote(META_TABLE)} (
  namespace VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  version INT NOT NULL
) ENGINE=InnoDB`;

/**
 * - id: VARBINARY, not VARCHAR: *_bin collations of MySQL 8 pad with spaces, so 'a' and 'a ' would
 *   be the same id. It holds the id's UTF-8 bytes (at most 255 UTF-16 units, so at most 765 bytes).
 * - *_key: SHA-256 (base64url) of the lookup values, or NULL when absent: short unique indexes whose
 *   matching is exact whatever the server's default collation; NULLs never collide.
 * - values: MEDIUMTEXT utf8mb4 (TEXT stops at 64 KiB of bytes; values may be 64 Ki UTF-16 units).
 */
export function createTokenTable(table: string): string {
  const text = 'MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL';
  const key = 'CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NULL';
  return `CREATE TABLE IF NOT EXISTS ${quote(table)} (
  id VARBINARY(1020) NOT NULL PRIMARY KEY,
  version INT NOT NULL,
  user_key ${key},
  access_key ${key},
  refresh_key ${key},
  grant_key ${key},
  user_signature ${text},
  client_id ${text},
  client_secret ${text},
  redirect_url ${text},
  grant_token ${text},
  refresh_token ${text},
  access_token ${text},
  expiry_time BIGINT NULL,
  api_domain ${text},
  UNIQUE KEY user_key (user_key),
  UNIQUE KEY access_key (access_key),
  UNIQUE KEY refresh_key (refresh_key),
  UNIQUE KEY grant_key (grant_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}
