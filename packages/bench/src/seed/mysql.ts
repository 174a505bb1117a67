import { hashedUniqueKeysOf, type OAuthToken, type StoredToken } from '@tokens/core';
import { createMysqlStore } from '@tokens/mysql';
import { startMariaDb } from '@tokens/test-servers';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { tokenAt } from '../fixtures.js';
import { asRecord, elapsedMs, inBatches, recordAt, recordBatch } from './records.js';
import type { ScaleBackend, ScalePrepared } from './types.js';

/*
 * @tokens/mysql exports no column list, so its write is duplicated here (queries.ts WRITE_COLUMNS,
 * rows.ts writeValues: `hashKey` of each unique key, NULL when absent); the store itself creates
 * the table. `checkLayout` compares a row the store wrote with the row this code writes.
 */
const COLUMNS = [
  'id',
  'version',
  'user_key',
  'access_key',
  'refresh_key',
  'grant_key',
  'user_signature',
  'client_id',
  'client_secret',
  'redirect_url',
  'grant_token',
  'refresh_token',
  'access_token',
  'expiry_time',
  'api_domain',
];
const ROWS_PER_INSERT = 1_000;
/** The InnoDB buffer pool for the scale run (test-servers starts MariaDB with 32 MiB): 1M tokens of ours and raw fit. */
const BUFFER_POOL_BYTES = 3 * 1024 ** 3;
const REDO_LOG_BYTES = 512 * 1024 ** 2;

function rowValues(record: StoredToken): (string | number | null)[] {
  const keys = hashedUniqueKeysOf(record);
  return [
    record.id,
    record.version,
    keys.user,
    keys.access,
    keys.refresh,
    keys.grant,
    record.userSignature,
    record.clientId,
    record.clientSecret,
    record.redirectUrl,
    record.grantToken,
    record.refreshToken,
    record.accessToken,
    record.expiryTime,
    record.apiDomain,
  ];
}

/** Multi-row INSERTs of 1,000 rows, two in flight (each its own autocommit transaction). */
async function bulkInsert(
  pool: Pool,
  table: string,
  columns: readonly string[],
  n: number,
  values: (from: number, to: number) => unknown[][],
) {
  await inBatches(n, ROWS_PER_INSERT, 2, async (from, to) => {
    await pool.query(`INSERT INTO \`${table}\` (${columns.join(', ')}) VALUES ?`, [values(from, to)]);
  });
}

/** See ScaleBackend.prepare: a token saved by the store and the same token seeded must be stored alike. */
async function checkLayout(connection: object, pool: Pool): Promise<void> {
  const saved = createMysqlStore({ ...connection, namespace: 'layout_saved' });
  const token = await saved.saveToken(tokenAt(0, 'layout'));
  await saved.close();
  const seeded = createMysqlStore({ ...connection, namespace: 'layout_seeded' });
  // The store creates its table on its first operation.
  await seeded.findTokenById('none');
  await seeded.close();
  await bulkInsert(pool, 'layout_seeded', COLUMNS, 1, () => [rowValues({ ...recordAt(0), ...token })]);
  const read = async (table: string) => JSON.stringify((await pool.query(`SELECT * FROM \`${table}\``))[0]);
  const same = (await read('layout_saved')) === (await read('layout_seeded'));
  await pool.query('DROP TABLE layout_saved, layout_seeded');
  if (!same) throw new Error('mysql: the row the store writes differs from what seed/mysql.ts writes');
}

export const mysqlScale: ScaleBackend = {
  name: 'mysql',
  server: true,
  async prepare(n, log): Promise<ScalePrepared | string> {
    const server = await startMariaDb();
    if (!server) return 'MariaDB is not installed (bash scripts/install-test-servers.sh)';
    const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
    const pools: Pool[] = [];
    const pool = (size: number) => {
      // The store's own pool settings (mysql-store.ts): utf8mb4_bin, exact BIGINTs.
      const created = mysql.createPool({
        ...connection,
        connectionLimit: size,
        charset: 'utf8mb4_bin',
        supportBigNumbers: true,
        bigNumberStrings: false,
      });
      pools.push(created);
      return created;
    };
    const closeAll = async () => {
      for (const created of pools) await created.end();
      await server.dispose();
    };
    try {
      await tuneServer(server, log);
      const seeder = pool(2);
      await checkLayout(connection, seeder);
      const store = createMysqlStore(connection);
      await store.findTokenById('none');
      const ids: string[] = new Array(n);
      let start = performance.now();
      await bulkInsert(seeder, 'tokens', COLUMNS, n, (from, to) => recordBatch(from, to, ids).map(rowValues));
      const oursMs = elapsedMs(start);

      // Raw (see suites/mysql.ts): unique indexes on the values themselves; one `execute` per operation.
      await seeder.query(`CREATE TABLE raw_tokens (id VARCHAR(64) PRIMARY KEY, user_signature VARCHAR(255) COLLATE utf8mb4_bin UNIQUE,
        refresh_token VARCHAR(255) COLLATE utf8mb4_bin UNIQUE, access_token VARCHAR(255) COLLATE utf8mb4_bin, client_id TEXT, client_secret TEXT,
        redirect_url TEXT, expiry_time BIGINT, api_domain TEXT, version INT NOT NULL DEFAULT 1) DEFAULT CHARSET utf8mb4`);
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
      ];
      const rawIds: string[] = new Array(n);
      start = performance.now();
      await bulkInsert(seeder, 'raw_tokens', rawColumns, n, (from, to) => recordBatch(from, to, rawIds).map(rawValues));
      const rawMs = elapsedMs(start);
      const footprint = { ours: await tableBytes(seeder, 'tokens'), raw: await tableBytes(seeder, 'raw_tokens') };

      const raw = pool(10);
      const find = (column: string, value: string) => raw.execute<RowDataPacket[]>(`SELECT * FROM raw_tokens WHERE ${column} = ?`, [value]);
      let inserted = 0;
      return {
        store,
        ids,
        seedMs: { ours: oursMs, raw: rawMs },
        footprint: [{ what: 'innodb data+index', ours: footprint.ours / n, raw: footprint.raw / n }],
        raw: {
          findByUser: (user) => find('user_signature', user),
          findByRefresh: (refreshToken) => find('refresh_token', refreshToken),
          findById: (index) => find('id', rawIds[index] ?? ''),
          updateUser: (_index, token: OAuthToken) =>
            raw.execute('UPDATE raw_tokens SET access_token = ?, expiry_time = ?, version = version + 1 WHERE user_signature = ?', [
              token.accessToken ?? null,
              token.expiryTime ?? null,
              token.userSignature ?? null,
            ]),
          insert: (token) =>
            raw.execute(
              `INSERT INTO raw_tokens (${rawColumns.join(', ')}) VALUES (${rawColumns.map(() => '?').join(', ')})`,
              rawValues(asRecord(token, `raw-${inserted++}`)),
            ),
        },
        rawCount: async () => Number(((await seeder.query('SELECT COUNT(*) AS n FROM tokens'))[0] as RowDataPacket[])[0]?.n),
        async close() {
          await store.close();
          await closeAll();
        },
      };
    } catch (error) {
      await closeAll();
      throw error;
    }
  },
};

/**
 * As root (test-servers' MariaDB: root without a password on loopback): a buffer pool that holds
 * the data set, as a production server would have, and a redo log that does not force a
 * checkpoint every few thousand rows. Both are dynamic in MariaDB 10.9+.
 */
async function tuneServer(server: { host: string; port: number }, log: (message: string) => void): Promise<void> {
  const root = await mysql.createConnection({ host: server.host, port: server.port, user: 'root', password: '' });
  try {
    await root.query(`SET GLOBAL innodb_buffer_pool_size = ${BUFFER_POOL_BYTES}`);
    await root
      .query(`SET GLOBAL innodb_log_file_size = ${REDO_LOG_BYTES}`)
      .catch(() => log('innodb_log_file_size is not dynamic here: kept'));
    for (let i = 0; i < 100; i++) {
      const [rows] = await root.query<RowDataPacket[]>('SELECT @@innodb_buffer_pool_size AS size');
      if (Number(rows[0]?.size) >= BUFFER_POOL_BYTES) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    log('the buffer pool did not grow within 10 s: measuring with what it has');
  } finally {
    await root.end();
  }
}

/** InnoDB's own figure (clustered index = data, secondary indexes), after ANALYZE TABLE refreshed it. */
async function tableBytes(pool: Pool, table: string): Promise<number> {
  await pool.query(`ANALYZE TABLE \`${table}\``);
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT data_length + index_length AS bytes FROM information_schema.TABLES WHERE table_schema = DATABASE() AND table_name = ?',
    [table],
  );
  return Number(rows[0]?.bytes);
}
