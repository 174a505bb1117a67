import { createRequire } from 'node:module';
import type { OAuthToken } from '@tokens/core';
import { createPostgresStore } from '@tokens/postgres';
import { startPostgres } from '@tokens/test-servers';
import type { Connected, Endpoint, Subject } from '../subject.js';

// @types/pg is not a devDependency of the bench (yet): borrow the types @tokens/postgres builds with.
type Pg = typeof import('../../../postgres/node_modules/@types/pg/index.js');
const pg = createRequire(import.meta.url)('pg') as Pg;

/**
 * Raw: one named (prepared) `pool.query` per operation, on a table with unique indexes on the
 * lookup columns in the "C" collation; pg's default row objects and type parsers.
 */
export const postgresSubject: Subject = {
  backend: 'postgres',
  server: true,
  async open() {
    const server = await startPostgres();
    if (!server) return 'PostgreSQL is not installed (bash scripts/install-test-servers.sh)';
    // Raw ids: one sequence for every connection to this server.
    let next = 0;
    const connect = async (at: Endpoint) => {
      const connection = { host: at.host, port: at.port, user: server.user, password: server.password, database: server.database };
      const store = createPostgresStore(connection);
      const pool = new pg.Pool({ ...connection, max: 10 });
      pool.on('error', () => {});
      const columns = 'id, user_signature, refresh_token, access_token, client_id, client_secret, expiry_time, api_domain';
      const placeholders = (row: number) => `(${Array.from({ length: 8 }, (_, column) => `$${row * 8 + column + 1}`).join(', ')})`;
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
      const find = (column: string) => {
        const text = `SELECT * FROM raw_tokens WHERE ${column} = $1`;
        return (value: string) => pool.query({ name: `raw_find_${column}`, text, values: [value] });
      };
      const findByUser = find('user_signature');
      const findByRefresh = find('refresh_token');
      const findById = find('id');
      const connected: Connected & { pool: typeof pool } = {
        store,
        pool,
        raw: {
          async seed(tokens) {
            for (let i = 0; i < tokens.length; i += 1_000) {
              const batch = tokens.slice(i, i + 1_000);
              await pool.query(
                `INSERT INTO raw_tokens (${columns}) VALUES ${batch.map((_, row) => placeholders(row)).join(', ')}`,
                batch.flatMap((token) => values(token)),
              );
            }
          },
          findByUser,
          findByRefresh,
          findById,
          updateUser: (token) =>
            pool.query({
              name: 'raw_upsert',
              text: `INSERT INTO raw_tokens (${columns}) VALUES ${placeholders(0)} ON CONFLICT (user_signature) DO UPDATE SET access_token = EXCLUDED.access_token, expiry_time = EXCLUDED.expiry_time, version = raw_tokens.version + 1`,
              values: values(token),
            }),
          insert: (token) =>
            pool.query({
              name: 'raw_insert',
              text: `INSERT INTO raw_tokens (${columns}) VALUES ${placeholders(0)}`,
              values: values(token),
            }),
          casUpdate: async (token, version) => {
            const result = await pool.query({
              name: 'raw_cas',
              text: 'UPDATE raw_tokens SET access_token = $1, expiry_time = $2, version = version + 1 WHERE user_signature = $3 AND version = $4',
              values: [token.accessToken ?? null, token.expiryTime ?? null, token.userSignature, version],
            });
            return result.rowCount === 1;
          },
          list: () => pool.query({ name: 'raw_list', text: 'SELECT * FROM raw_tokens' }),
        },
        async close() {
          await store.close();
          await pool.end();
        },
      };
      return connected;
    };
    const main = await connect(server);
    await main.pool.query(`CREATE TABLE raw_tokens (id text COLLATE "C" PRIMARY KEY, user_signature text COLLATE "C" UNIQUE,
      refresh_token text COLLATE "C" UNIQUE, access_token text COLLATE "C", client_id text, client_secret text,
      expiry_time bigint, api_domain text, version integer NOT NULL DEFAULT 1)`);
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
