// A throwaway PostgreSQL for the consumers' round trips: initdb in a temp dir, free loopback port,
// trust auth (loopback only), no fsync. PostgreSQL refuses to run as root: as root it runs as the
// `postgres` system user (or `nobody`) through setpriv, which execs, so cleanup's SIGTERM reaches it.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from './registry.mjs';
import { log, run, startDaemon } from './shell.mjs';

/** Debian keeps the server binaries off PATH, one dir per major version: the newest with all three. */
export function findPostgres() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  const dirs = [
    ...versions.sort((a, b) => Number(b) - Number(a)).map((version) => join(root, version, 'bin')),
    ...(process.env.PATH ?? '').split(':'),
  ];
  return dirs.find((dir) => ['postgres', 'initdb', 'pg_isready', 'psql'].every((name) => existsSync(join(dir, name)))) ?? null;
}

function identity() {
  if (process.getuid?.() !== 0) return { wrap: (binary, args) => [binary, args] };
  for (const name of ['postgres', 'nobody']) {
    try {
      const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
      return {
        uid: Number(uid),
        gid: Number(gid),
        wrap: (binary, args) => ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', binary, ...args]],
      };
    } catch {}
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export async function startPostgres(bin, dir) {
  mkdirSync(dir, { recursive: true });
  const as = identity();
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const [initFile, initArgs] = as.wrap(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  await run(initFile, initArgs, { show: 'none' });
  const port = await freePort();
  const logFile = join(dir, 'postgres.log');
  const [file, args] = as.wrap(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const child = startDaemon(file, args, { logFd: openSync(logFile, 'a') });
  await waitFor(`postgres on port ${port}`, child, logFile, async () => {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
    return true;
  });
  log(`postgres ready on 127.0.0.1:${port} (pid ${child.pid})`);
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, child };
}

/** One value from psql (trust auth on loopback). */
export function psqlValue(bin, port, sql) {
  return execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atc', sql], {
    encoding: 'utf8',
  }).trim();
}
