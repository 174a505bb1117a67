import type { DataField, LookupKind } from '@tokens/core';
import { DATA_FIELDS } from '@tokens/core';
import { KEY_COLUMN, quote } from './schema.js';

/**
 * The one-round-trip save: a stored procedure per namespace that applies core's `SavePlan`
 * (packages/core/src/save-plan.ts, rules 1-5) on the server and answers with one result row.
 *
 * Versioned by name, not by the table's schema version: a 0.1.x store on the same table keeps
 * working (it ignores the procedure), and a later layout of the procedure gets a new name, so
 * stores of two versions can run side by side during a rolling upgrade.
 * `_tokens_save_v1_` (16) + a namespace (at most 48) = 64, MySQL's identifier limit.
 */
export function procedureName(table: string): string {
  return `_tokens_save_v1_${table}`;
}

/** The column of each data field, in `DATA_FIELDS` order (bit i of `p_given` is field i). */
export const DATA_COLUMN: Record<DataField, string> = {
  userSignature: 'user_signature',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  redirectUrl: 'redirect_url',
  grantToken: 'grant_token',
  refreshToken: 'refresh_token',
  accessToken: 'access_token',
  apiDomain: 'api_domain',
  expiryTime: 'expiry_time',
};

/** The data field whose unique key column each lookup kind uses (key columns follow `KEY_COLUMN`). */
const KEY_FIELD: Record<LookupKind, DataField> = {
  user: 'userSignature',
  access: 'accessToken',
  refresh: 'refreshToken',
  grant: 'grantToken',
};

export const KIND_CODE: Record<LookupKind, number> = { user: 1, access: 2, refresh: 3, grant: 4 };
const KINDS = Object.keys(KIND_CODE) as LookupKind[];

/** Status codes of the result row. */
export const STATUS = { inserted: 1, missing: 2, sealed: 3, stale: 4, duplicate: 5, unchanged: 6, updated: 7, retry: 8 } as const;

/** Lost races the procedure re-runs itself (re-read, re-decide) before it answers `retry`. */
const ATTEMPTS = 4;

const TEXT = 'MEDIUMTEXT CHARACTER SET utf8mb4';
const HASH = 'CHAR(43) CHARACTER SET ascii';
const typeOf = (field: DataField) => (field === 'expiryTime' ? 'BIGINT' : TEXT);
const param = (field: DataField) => `p_${DATA_COLUMN[field]}`;
const stored = (field: DataField) => `v_${DATA_COLUMN[field]}`;
const given = (field: DataField) => `(p_given & ${1 << DATA_FIELDS.indexOf(field)}) <> 0`;

/** Exact equality: `*_bin` collations pad with spaces ('a' = 'a '), bytes do not; NULL-safe. */
const same = (a: string, b: string, field: DataField) =>
  field === 'expiryTime' ? `${a} <=> ${b}` : `CAST(${a} AS BINARY) <=> CAST(${b} AS BINARY)`;

/** The parameters of the CALL, in order (see save.ts, which builds the values). */
export const PARAMS = [
  'p_id',
  'p_kind',
  'p_key',
  'p_expected',
  'p_new_id',
  'p_given',
  'p_prefix',
  ...KINDS.map((kind) => `p_${KEY_COLUMN[kind]}`),
  ...DATA_FIELDS.map(param),
];

export function callStatement(table: string): string {
  return `CALL ${quote(procedureName(table))}(${PARAMS.map(() => '?').join(', ')})`;
}

/**
 * Every statement inside autocommits on its own (no transaction, no locking read, so no gap
 * locks and no isolation-level or binlog-format requirement): the target is read, the decision
 * made, and the write is conditional on the version read (`WHERE id = ? AND version = ?`, as the
 * two-step save does). A write that matches nothing lost a race: the procedure reads again, up to
 * ATTEMPTS times, then answers `retry`. Errors other than a duplicate key (deadlock, lock wait
 * timeout, a trigger's SIGNAL) leave the procedure as they are: nothing was written, and the
 * store's executor retries lock conflicts as for any statement.
 */
export function createProcedure(table: string): string {
  const t = quote(table);
  const readColumns = ['id', 'version', ...DATA_FIELDS.map((field) => DATA_COLUMN[field])].join(', ');
  const readInto = ['v_id', 'v_version', ...DATA_FIELDS.map(stored)].join(', ');
  const read = (where: string) => `SELECT ${readColumns} INTO ${readInto} FROM ${t} WHERE ${where};`;
  const byKey = KINDS.map(
    (kind, index) =>
      `${index === 0 ? 'IF' : 'ELSEIF'} p_kind = ${KIND_CODE[kind]} THEN
        ${read(`${KEY_COLUMN[kind]} = p_key`)}
        IF v_id IS NOT NULL AND NOT (${same(stored(KEY_FIELD[kind]), param(KEY_FIELD[kind]), KEY_FIELD[kind])}) THEN SET v_id = NULL; END IF;`,
  ).join('\n      ');
  const keyColumnOf = (field: DataField) => KINDS.find((kind) => KEY_FIELD[kind] === field);
  const updates = DATA_FIELDS.flatMap((field) => {
    const column = DATA_COLUMN[field];
    const kind = keyColumnOf(field);
    const sets = [`${column} = IF(${given(field)}, ${param(field)}, ${column})`];
    if (kind) sets.unshift(`${KEY_COLUMN[kind]} = IF(${given(field)}, p_${KEY_COLUMN[kind]}, ${KEY_COLUMN[kind]})`);
    return sets;
  });
  const unchanged = DATA_FIELDS.map((field) => `(NOT (${given(field)}) OR ${same(stored(field), param(field), field)})`).join(
    '\n        AND ',
  );
  // Given fields come back NULL: the caller has their values already (less to send and decode).
  const keptColumns = DATA_FIELDS.map((field) => `IF(${given(field)}, NULL, ${stored(field)}) AS ${DATA_COLUMN[field]}`).join(', ');
  const allColumns = DATA_FIELDS.map((field) => `${stored(field)} AS ${DATA_COLUMN[field]}`).join(', ');
  const insertColumns = ['id', 'version', ...KINDS.map((kind) => KEY_COLUMN[kind]), ...DATA_FIELDS.map((field) => DATA_COLUMN[field])];
  const insertValues = ['p_new_id', '1', ...KINDS.map((kind) => `p_${KEY_COLUMN[kind]}`), ...DATA_FIELDS.map(param)];
  const params = [
    'IN p_id VARBINARY(1020)',
    'IN p_kind TINYINT',
    `IN p_key ${HASH}`,
    'IN p_expected INT',
    'IN p_new_id VARBINARY(1020)',
    'IN p_given INT',
    `IN p_prefix VARCHAR(64) CHARACTER SET utf8mb4`,
    ...KINDS.map((kind) => `IN p_${KEY_COLUMN[kind]} ${HASH}`),
    ...DATA_FIELDS.map((field) => `IN ${param(field)} ${typeOf(field)}`),
  ];
  return `CREATE PROCEDURE ${quote(procedureName(table))}(
  ${params.join(',\n  ')}
)
MODIFIES SQL DATA
SQL SECURITY INVOKER
COMMENT '@tokens/mysql: one-round-trip save of table ${table} (schema v1)'
proc: BEGIN
  DECLARE v_attempt INT DEFAULT 0;
  DECLARE v_inserting INT DEFAULT 0;
  DECLARE v_id VARBINARY(1020);
  DECLARE v_version INT;
  ${DATA_FIELDS.map((field) => `DECLARE ${stored(field)} ${typeOf(field)};`).join('\n  ')}
  -- A unique key taken: nothing was written (the statement rolled back alone).
  DECLARE EXIT HANDLER FOR 1062 SELECT ${STATUS.duplicate} AS status, v_inserting AS inserting;
  -- SELECT ... INTO that finds no row leaves v_id NULL: that is the answer, not a warning.
  DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
  attempt: LOOP
    SET v_id = NULL;
    IF p_id IS NOT NULL THEN
      ${read('id = p_id')}
    END IF;
    IF v_id IS NULL THEN
      ${byKey}
      END IF;
    END IF;
    IF v_id IS NULL THEN
      IF p_new_id IS NULL THEN SELECT ${STATUS.missing} AS status; LEAVE proc; END IF;
      SET v_inserting = 1;
      INSERT INTO ${t} (${insertColumns.join(', ')}) VALUES (${insertValues.join(', ')});
      SELECT ${STATUS.inserted} AS status;
      LEAVE proc;
    END IF;
    IF LEFT(CAST(v_client_secret AS BINARY), LENGTH(p_prefix)) = CAST(p_prefix AS BINARY) THEN
      SELECT ${STATUS.sealed} AS status, v_id AS id, v_version AS version, ${allColumns};
      LEAVE proc;
    END IF;
    IF p_expected IS NOT NULL AND v_version <> p_expected THEN
      SELECT ${STATUS.stale} AS status, v_version AS version;
      LEAVE proc;
    END IF;
    IF ${unchanged} THEN
      SELECT ${STATUS.unchanged} AS status, v_id AS id, v_version AS version, ${keptColumns};
      LEAVE proc;
    END IF;
    UPDATE ${t} SET version = v_version + 1,
      ${updates.join(',\n      ')}
      WHERE id = v_id AND version = v_version;
    IF ROW_COUNT() > 0 THEN
      SELECT ${STATUS.updated} AS status, v_id AS id, v_version + 1 AS version, ${keptColumns};
      LEAVE proc;
    END IF;
    SET v_attempt = v_attempt + 1;
    IF v_attempt >= ${ATTEMPTS} THEN SELECT ${STATUS.retry} AS status; LEAVE proc; END IF;
  END LOOP;
END`;
}
