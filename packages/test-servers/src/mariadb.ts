import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { findBinary, missingServer } from './binaries.js';
import { HOST } from './net.js';
import { launchInDir, makeTempDir, notSupported, ServerProcess, waitForServer } from './process.js';
import type { MariaDbServer } from './types.js';

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

  const osUser = userInfo().username;
  const template = await templateDataDir(mariadbd, installDb, osUser);
  const dir = makeTempDir('mariadb');
  const dataDir = join(dir, 'data');
  cpSync(template, dataDir, { recursive: true });

  const password = randomBytes(12).toString('hex');
  const args = (port: number) => [
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
  ];
  const ready = (server: ServerProcess, port: number, user: string, pass: string) =>
    waitForServer('MariaDB', server, () => query(port, user, pass, 'SELECT 1'), READY_TIMEOUT_MS);

  const handle = await launchInDir(
    'MariaDB',
    dir,
    (port) => new ServerProcess(mariadbd, args(port), join(dir, 'server.log')),
    (server, port) => ready(server, port, USER, password),
    async (server, port) => {
      await ready(server, port, 'root', '');
      await query(port, 'root', '', [
        `CREATE DATABASE ${DATABASE}`,
        `CREATE USER '${USER}'@'%' IDENTIFIED BY '${password}'`,
        `GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'%'`,
        // Lets tests watch lock waits (information_schema.innodb_trx); still no admin rights.
        `GRANT PROCESS ON *.* TO '${USER}'@'%'`,
      ]);
    },
  );
  return { ...handle, user: USER, password, database: DATABASE };
}

/**
 * mariadb-install-db takes seconds; copying its output takes a fraction of one. So it runs once per
 * binary and OS user into a template in the temp dir (kept across runs), built aside and renamed
 * into place, so that parallel test files never see a half-built one.
 */
async function templateDataDir(mariadbd: string, installDb: string, osUser: string): Promise<string> {
  const { mtimeMs, size } = statSync(mariadbd);
  const key = createHash('sha256').update(`${mariadbd}:${mtimeMs}:${size}:${osUser}`).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `tokens-mariadb-template-${key}`);
  const dataDir = join(template, 'data');
  if (existsSync(join(template, 'complete'))) return dataDir;
  const building = mkdtempSync(join(tmpdir(), 'tokens-mariadb-template-build-'));
  try {
    // normal root auth: the default unix_socket auth refuses root over TCP.
    await run(
      installDb,
      [
        '--no-defaults',
        `--datadir=${join(building, 'data')}`,
        `--user=${osUser}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--innodb-log-file-size=16M',
        '--innodb-buffer-pool-size=32M',
      ],
      { timeout: 120_000 },
    );
    writeFileSync(join(building, 'complete'), '');
    renameSync(building, template);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    // Lost the race to another test file: its template is complete, since it was renamed into place.
    if (existsSync(join(template, 'complete'))) return dataDir;
    throw new Error(`MariaDB: mariadb-install-db failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  return dataDir;
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
