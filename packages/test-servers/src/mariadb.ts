import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { findBinary, missingServer } from './binaries.js';
import { freePort, HOST } from './net.js';
import { makeTempDir, notSupported, removeTempDir, ServerProcess } from './process.js';
import type { MariaDbServer } from './types.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
const DATABASE = 'tokens_test';
const USER = 'app';

export async function startMariaDb(): Promise<MariaDbServer | null> {
  const external = process.env.TOKENS_TEST_MYSQL_URL;
  if (external) return externalMariaDb(external);

  const mariadbd = findBinary('mariadbd') ?? findBinary('mysqld');
  const installDb = findBinary('mariadb-install-db') ?? findBinary('mysql_install_db');
  if (!mariadbd || !installDb) return missingServer('MariaDB', mariadbd ? 'mariadb-install-db' : 'mariadbd');

  const dir = makeTempDir('mariadb');
  const dataDir = join(dir, 'data');
  const osUser = userInfo().username;
  try {
    // normal root auth: the default unix_socket auth refuses root over TCP.
    await run(
      installDb,
      ['--no-defaults', `--datadir=${dataDir}`, `--user=${osUser}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { timeout: 120_000 },
    );
  } catch (error) {
    removeTempDir(dir);
    throw new Error(`MariaDB: mariadb-install-db failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }

  const port = await freePort();
  const server = new ServerProcess(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${port}`,
      `--bind-address=${HOST}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--tmpdir=${dir}`,
      `--user=${osUser}`,
      // Without it a new 'app'@'%' is shadowed by the anonymous ''@'localhost' user.
      '--skip-name-resolve',
      '--innodb-log-file-size=16M',
      '--innodb-buffer-pool-size=32M',
    ],
    join(dir, 'server.log'),
  );
  const password = randomBytes(12).toString('hex');
  const ready = (user: string, pass: string) =>
    waitUntil('MariaDB', () => query(port, user, pass, 'SELECT 1'), {
      timeoutMs: READY_TIMEOUT_MS,
      describe: () => server.logTail(),
      exited: () => server.exited,
    });

  try {
    server.start();
    await ready('root', '');
    await query(port, 'root', '', [
      `CREATE DATABASE ${DATABASE}`,
      `CREATE USER '${USER}'@'%' IDENTIFIED BY '${password}'`,
      `GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'%'`,
    ]);
  } catch (error) {
    await server.stop();
    removeTempDir(dir);
    throw error;
  }

  let disposed = false;
  return {
    host: HOST,
    port,
    user: USER,
    password,
    database: DATABASE,
    external: false,
    stop: () => server.stop(),
    async start() {
      if (disposed) throw new Error('MariaDB: start after dispose');
      server.start();
      await ready(USER, password);
    },
    async dispose() {
      disposed = true;
      await server.stop();
      removeTempDir(dir);
    },
  };
}

async function query(port: number, user: string, password: string, statements: string | string[]): Promise<boolean> {
  const connection = await mysql.createConnection({ host: HOST, port, user, password, connectTimeout: 2000 });
  try {
    for (const sql of Array.isArray(statements) ? statements : [statements]) await connection.query(sql);
    return true;
  } finally {
    connection.destroy();
  }
}

function externalMariaDb(url: string): MariaDbServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    external: true,
    stop: notSupported,
    start: notSupported,
    dispose: async () => {},
  };
}
