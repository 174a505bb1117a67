import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashedUniqueKeysOf, type OAuthToken, type StoredToken } from '@tokens/core';
import { createSqliteStore } from '@tokens/sqlite';
import Database from 'better-sqlite3';
import { tokenAt } from '../fixtures.js';
import { asRecord, elapsedMs, recordAt } from './records.js';
import type { ScaleBackend, ScalePrepared } from './types.js';

/*
 * @tokens/sqlite exports no column list, so its insert is duplicated here (statements.ts: data
 * columns, then `hashKey` of each unique key, NULL when absent); the store itself creates the
 * table. `checkLayout` compares a row the store wrote with the row this code writes, column by column.
 */
const COLUMNS = [
  'id',
  'version',
  'user_signature',
  'client_id',
  'client_secret',
  'redirect_url',
  'grant_token',
  'refresh_token',
  'access_token',
  'expiry_time',
  'api_domain',
  'user_key',
  'access_key',
  'refresh_key',
  'grant_key',
];
const ROWS_PER_INSERT = 500;

function rowValues(record: StoredToken): (string | number | null)[] {
  const keys = hashedUniqueKeysOf(record);
  return [
    record.id,
    record.version,
    record.userSignature,
    record.clientId,
    record.clientSecret,
    record.redirectUrl,
    record.grantToken,
    record.refreshToken,
    record.accessToken,
    record.expiryTime,
    record.apiDomain,
    keys.user,
    keys.access,
    keys.refresh,
    keys.grant,
  ];
}

/** One transaction of multi-row prepared INSERTs (500 rows each) on a connection of its own. */
function bulkInsert(
  path: string,
  table: string,
  columns: readonly string[],
  n: number,
  values: (i: number) => (string | number | null)[],
): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // A large page cache for the load only: index pages of random keys stay in memory.
    db.pragma('cache_size = -524288');
    const row = `(${columns.map(() => '?').join(', ')})`;
    const sql = (rows: number) =>
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
    const full = db.prepare(sql(ROWS_PER_INSERT));
    db.transaction(() => {
      for (let from = 0; from < n; from += ROWS_PER_INSERT) {
        const to = Math.min(n, from + ROWS_PER_INSERT);
        const params: (string | number | null)[] = [];
        for (let i = from; i < to; i++) params.push(...values(i));
        (to - from === ROWS_PER_INSERT ? full : db.prepare(sql(to - from))).run(params);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

function fileBytes(path: string): number {
  return statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
}

/** See ScaleBackend.prepare: a token saved by the store and the same token seeded must be stored alike. */
async function checkLayout(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-scale-sqlite-check-'));
  try {
    const saved = join(dir, 'saved.db');
    const seeded = join(dir, 'seeded.db');
    const store = createSqliteStore({ path: saved });
    const token = await store.saveToken(tokenAt(0, 'layout'));
    await store.close();
    const empty = createSqliteStore({ path: seeded });
    await empty.close();
    bulkInsert(seeded, '"tokens"', COLUMNS, 1, () => rowValues({ ...recordAt(0), ...token }));
    const read = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return JSON.stringify(db.prepare('SELECT * FROM "tokens"').all());
      } finally {
        db.close();
      }
    };
    if (read(saved) !== read(seeded)) throw new Error('sqlite: the row the store writes differs from what seed/sqlite.ts writes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqliteScale: ScaleBackend = {
  name: 'sqlite',
  server: false,
  async prepare(n): Promise<ScalePrepared> {
    await checkLayout();
    const dir = mkdtempSync(join(tmpdir(), 'tokens-scale-sqlite-'));
    const path = join(dir, 'tokens.db');
    const rawPath = join(dir, 'raw.db');
    // The store creates its table (and keeps its own connection, with its own settings).
    const store = createSqliteStore({ path });
    const ids: string[] = new Array(n);
    let start = performance.now();
    bulkInsert(path, '"tokens"', COLUMNS, n, (i) => {
      const record = recordAt(i);
      ids[i] = record.id;
      return rowValues(record);
    });
    const oursMs = elapsedMs(start);

    // Raw (see suites/sqlite.ts): unique indexes on the values themselves, one prepared statement
    // per operation, in a file of its own with the store's pragmas (WAL, synchronous = NORMAL).
    const db = new Database(rawPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE raw_tokens (id TEXT PRIMARY KEY, user_signature TEXT UNIQUE, refresh_token TEXT UNIQUE,
      access_token TEXT UNIQUE, client_id TEXT, client_secret TEXT, redirect_url TEXT, expiry_time INTEGER, api_domain TEXT, version INTEGER)`);
    const rawColumns = [
      'id',
      'user_signature',
      'refresh_token',
      'access_token',
      'client_id',
      'client_secret',
      'redirect_url',
      'expiry_time',
      'api_domain',
      'version',
    ];
    const rawValues = (record: StoredToken) => [
      record.id,
      record.userSignature,
      record.refreshToken,
      record.accessToken,
      record.clientId,
      record.clientSecret,
      record.redirectUrl,
      record.expiryTime,
      record.apiDomain,
      1,
    ];
    const rawIds: string[] = new Array(n);
    start = performance.now();
    bulkInsert(rawPath, 'raw_tokens', rawColumns, n, (i) => {
      const record = recordAt(i);
      rawIds[i] = record.id;
      return rawValues(record);
    });
    const rawMs = elapsedMs(start);
    const byUser = db.prepare('SELECT * FROM raw_tokens WHERE user_signature = ?');
    const byRefresh = db.prepare('SELECT * FROM raw_tokens WHERE refresh_token = ?');
    const byId = db.prepare('SELECT * FROM raw_tokens WHERE id = ?');
    const update = db.prepare('UPDATE raw_tokens SET access_token = ?, expiry_time = ?, version = version + 1 WHERE user_signature = ?');
    const insert = db.prepare(`INSERT INTO raw_tokens (${rawColumns.join(', ')}) VALUES (${rawColumns.map(() => '?').join(', ')})`);
    const counter = new Database(path, { readonly: true });
    const count = counter.prepare('SELECT COUNT(*) AS n FROM "tokens"');
    let inserted = 0;
    return {
      store,
      ids,
      seedMs: { ours: oursMs, raw: rawMs },
      footprint: [{ what: 'disk', ours: fileBytes(path) / n, raw: fileBytes(rawPath) / n }],
      raw: {
        findByUser: (user) => byUser.get(user),
        findByRefresh: (refreshToken) => byRefresh.get(refreshToken),
        findById: (index) => byId.get(rawIds[index] ?? ''),
        updateUser: (_index, token: OAuthToken) => update.run(token.accessToken, token.expiryTime, token.userSignature),
        insert: (token) => insert.run(rawValues(asRecord(token, `raw-${inserted++}`))),
      },
      rawCount: async () => (count.get() as { n: number }).n,
      async close() {
        await store.close();
        counter.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
