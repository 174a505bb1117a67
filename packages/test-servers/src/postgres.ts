import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findBinary, missingServer } from './binaries.js';
import { HOST } from './net.js';
import { launchInDir, makeTempDir, notSupported, ServerProcess, waitForServer } from './process.js';
import type { PostgresServer } from './types.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
const DATABASE = 'tokens_test';
const USER = 'app';
const SUPERUSER = 'postgres';

/** Debian keeps the server binaries off PATH, one dir per major version: newest first. */
function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/**
 * PostgreSQL refuses to run as root. As root the server runs as the `postgres` system user (or
 * `nobody`) through setpriv, which execs, unlike runuser, which forks and turns every signal into
 * SIGTERM: the stop signal must reach the postmaster itself.
 */
interface RunAs {
  /** The command line that runs `binary` as this user. */
  wrap(binary: string, args: string[]): [string, string[]];
  uid: number;
  gid: number;
}

function runAs(): RunAs | null {
  const me = userInfo();
  if (me.uid !== 0) return { wrap: (binary, args) => [binary, args], uid: me.uid, gid: me.gid };
  const setpriv = findBinary('setpriv');
  if (!setpriv) return null;
  for (const name of [SUPERUSER, 'nobody']) {
    const ids = idsOf(name);
    if (!ids) continue;
    return {
      wrap: (binary, args) => [setpriv, [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups', '--', binary, ...args]],
      ...ids,
    };
  }
  return null;
}

function idsOf(name: string): { uid: number; gid: number } | null {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' });
    const [, , uid, gid] = line.split(':');
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
  } catch {
    return null;
  }
}

/** A connection that answers `SELECT 1`; closed again at once. */
async function answers(config: pg.ClientConfig): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function startPostgres(): Promise<PostgresServer | null> {
  const external = process.env.TOKENS_TEST_POSTGRES_URL;
  if (external) return externalPostgres(external);

  const dirs = postgresBinDirs();
  const postgres = findBinary('postgres', dirs);
  const initdb = findBinary('initdb', dirs);
  if (!postgres || !initdb) return missingServer('PostgreSQL', postgres ? 'initdb' : 'postgres');
  const identity = runAs();
  if (!identity) return missingServer('PostgreSQL (run as root, it needs setpriv and a postgres or nobody user)', 'setpriv');

  const dir = makeTempDir('postgres');
  chownSync(dir, identity.uid, identity.gid);
  const dataDir = join(dir, 'data');
  const [initFile, initArgs] = identity.wrap(initdb, [
    '-D',
    dataDir,
    '-U',
    SUPERUSER,
    // The superuser is reachable only through the socket in the temp dir; TCP needs a password.
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  try {
    await run(initFile, initArgs, { timeout: 120_000 });
  } catch (error) {
    throw new Error(`PostgreSQL: initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }

  const password = randomBytes(12).toString('hex');
  const args = (port: number) =>
    identity.wrap(postgres, [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      `listen_addresses=${HOST}`,
      // A throwaway server: no durability work, small memory, since several run side by side.
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=16MB',
      '-c',
      'max_connections=200',
    ]);
  const app = (port: number): pg.ClientConfig => ({ host: HOST, port, user: USER, password, database: DATABASE });
  const ready = (server: ServerProcess, port: number) => waitForServer('PostgreSQL', server, () => answers(app(port)), READY_TIMEOUT_MS);

  const handle = await launchInDir(
    'PostgreSQL',
    dir,
    // SIGINT is the "fast" shutdown: clients are cut off at once, like a crash seen from outside.
    (port) => new ServerProcess(...args(port), join(dir, 'server.log'), 'SIGINT'),
    ready,
    async (server, port) => {
      const admin = { host: dir, port, user: SUPERUSER, database: 'postgres' };
      await waitForServer('PostgreSQL', server, () => answers(admin), READY_TIMEOUT_MS);
      const client = new pg.Client(admin);
      client.on('error', () => {});
      await client.connect();
      try {
        // Not a superuser: the store must work with the rights an application role has. CREATEROLE
        // only lets tests make a role with fewer rights still.
        await client.query(`CREATE ROLE ${USER} LOGIN CREATEROLE PASSWORD '${password}'`);
        await client.query(`CREATE DATABASE ${DATABASE} OWNER ${USER}`);
      } finally {
        await client.end();
      }
      await ready(server, port);
    },
  );
  return {
    ...handle,
    user: USER,
    password,
    database: DATABASE,
    url: `postgres://${USER}:${password}@${HOST}:${handle.port}/${DATABASE}`,
  };
}

function externalPostgres(url: string): PostgresServer {
  const parsed = new URL(url);
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    external: true,
    stop: notSupported,
    start: notSupported,
    dispose: async () => {},
  };
}
