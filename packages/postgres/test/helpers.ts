import { randomBytes } from 'node:crypto';
import type { PostgresServer } from '@tokens/test-servers';
import pg from 'pg';
import { createPostgresStore, type PostgresStoreOptions } from '../src/index.js';

export function connectionOptions(server: PostgresServer) {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
}

export function openStore(server: PostgresServer, options: PostgresStoreOptions = {}) {
  return createPostgresStore({ ...connectionOptions(server), ...options });
}

export function freshNamespace(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** An independent connection with pg's default type parsers, to look at what landed in the database. */
export async function rawClient(server: PostgresServer): Promise<pg.Client> {
  const client = new pg.Client(connectionOptions(server));
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function withRaw<T>(server: PostgresServer, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await rawClient(server);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The rows as stored; bytea columns come back as Buffers (the conformance suite reads them as UTF-8). */
export function rawRows(server: PostgresServer, table: string, schema = 'public'): Promise<Record<string, unknown>[]> {
  return withRaw(server, async (client) => (await client.query(`SELECT * FROM "${schema}"."${table}"`)).rows);
}

export function dropTables(server: PostgresServer, tables: readonly string[], schema = 'public'): Promise<void> {
  return withRaw(server, async (client) => {
    for (const table of tables) {
      await client.query(`DROP TABLE IF EXISTS "${schema}"."${table}"`);
      await client.query(`DELETE FROM "${schema}"."_tokens_schema" WHERE namespace = $1`, [table]).catch(() => {});
    }
  });
}

/** Waits until a connection of a store (application_name '@tokens/postgres') waits for a lock. */
export async function waitForLockWait(observer: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await observer.query(
      `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE NOT l.granted AND a.application_name = '@tokens/postgres'`,
    );
    if (rows[0].waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
