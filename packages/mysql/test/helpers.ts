import { randomBytes } from 'node:crypto';
import type { MariaDbServer } from '@tokens/test-servers';
import mysql, { type Connection } from 'mysql2/promise';
import { createMysqlStore, type MysqlStoreOptions } from '../src/index.js';
import { procedureName } from '../src/save-procedure.js';

export function connectionOptions(server: MariaDbServer) {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
}

export function openStore(server: MariaDbServer, options: MysqlStoreOptions = {}) {
  return createMysqlStore({ ...connectionOptions(server), ...options });
}

export function freshNamespace(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** An independent connection, to look at what landed in the database. */
export async function rawConnection(server: MariaDbServer): Promise<Connection> {
  return mysql.createConnection({ ...connectionOptions(server), supportBigNumbers: true });
}

export async function rawRows(server: MariaDbServer, table: string): Promise<Record<string, unknown>[]> {
  const connection = await rawConnection(server);
  try {
    const [rows] = await connection.query(`SELECT * FROM \`${table}\``);
    return (rows as Record<string, unknown>[]).map((row) => ({ ...row, id: Buffer.isBuffer(row.id) ? row.id.toString('utf8') : row.id }));
  } finally {
    await connection.end();
  }
}

export async function dropTables(server: MariaDbServer, tables: readonly string[]): Promise<void> {
  const connection = await rawConnection(server);
  try {
    for (const table of tables) {
      await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
      await connection.query(`DROP PROCEDURE IF EXISTS \`${procedureName(table)}\``);
      await connection.execute('DELETE FROM `_tokens_schema` WHERE namespace = ?', [table]).catch(() => {});
    }
  } finally {
    await connection.end();
  }
}
