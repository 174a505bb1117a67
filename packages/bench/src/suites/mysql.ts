import type { OAuthToken } from '@tokens/core';
import { createMysqlStore } from '@tokens/mysql';
import { startMariaDb } from '@tokens/test-servers';
import { createPool, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { Connected, Endpoint, Subject } from '../subject.js';

/** Raw: one `execute` on a pool per operation, on a table with unique indexes on the lookup columns. */
export const mysqlSubject: Subject = {
  backend: 'mysql (MariaDB)',
  server: true,
  async open() {
    const server = await startMariaDb();
    if (!server) return 'MariaDB is not installed (bash scripts/install-test-servers.sh)';
    // Raw ids: one sequence for every connection to this server.
    let next = 0;
    const connect = async (at: Endpoint) => {
      const connection = { host: at.host, port: at.port, user: server.user, password: server.password, database: server.database };
      const store = createMysqlStore(connection);
      const pool = createPool({ ...connection, connectionLimit: 10 });
      const columns = 'id, user_signature, refresh_token, access_token, client_id, client_secret, expiry_time, api_domain';
      const values = (token: OAuthToken): (string | number | null)[] => [
        `raw-${next++}`,
        token.userSignature ?? null,
        token.refreshToken ?? null,
        token.accessToken ?? null,
        token.clientId ?? null,
        token.clientSecret ?? null,
        token.expiryTime ?? null,
        token.apiDomain ?? null,
      ];
      const find = (column: string, value: string) =>
        pool.execute<RowDataPacket[]>(`SELECT * FROM raw_tokens WHERE ${column} = ?`, [value]);
      const connected: Connected & { pool: typeof pool } = {
        store,
        pool,
        raw: {
          async seed(tokens) {
            for (let i = 0; i < tokens.length; i += 1_000) {
              await pool.query(`INSERT INTO raw_tokens (${columns}) VALUES ?`, [tokens.slice(i, i + 1_000).map((token) => values(token))]);
            }
          },
          findByUser: (user) => find('user_signature', user),
          findByRefresh: (refreshToken) => find('refresh_token', refreshToken),
          findById: (id) => find('id', id),
          updateUser: (token) =>
            pool.execute(
              `INSERT INTO raw_tokens (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE access_token = VALUES(access_token), expiry_time = VALUES(expiry_time), version = version + 1`,
              values(token),
            ),
          insert: (token) => pool.execute(`INSERT INTO raw_tokens (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, values(token)),
          casUpdate: async (token, version) => {
            const [result] = await pool.execute<ResultSetHeader>(
              'UPDATE raw_tokens SET access_token = ?, expiry_time = ?, version = version + 1 WHERE user_signature = ? AND version = ?',
              [token.accessToken ?? null, token.expiryTime ?? null, token.userSignature, version],
            );
            return result.affectedRows === 1;
          },
          list: () => pool.execute('SELECT * FROM raw_tokens'),
        },
        async close() {
          await store.close();
          await pool.end();
        },
      };
      return connected;
    };
    const main = await connect(server);
    await main.pool.query(`CREATE TABLE raw_tokens (id VARCHAR(64) PRIMARY KEY, user_signature VARCHAR(255) COLLATE utf8mb4_bin UNIQUE,
      refresh_token VARCHAR(255) COLLATE utf8mb4_bin UNIQUE, access_token VARCHAR(255) COLLATE utf8mb4_bin, client_id TEXT, client_secret TEXT,
      expiry_time BIGINT, api_domain TEXT, version INT NOT NULL DEFAULT 1) DEFAULT CHARSET utf8mb4`);
    return {
      store: main.store,
      raw: main.raw,
      server: { endpoint: server, connect },
      async close() {
        await main.close();
        await server.dispose();
      },
    };
  },
};
