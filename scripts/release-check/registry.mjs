// A throwaway npm registry (verdaccio) on loopback: installed once into a machine cache, started
// per run with its storage in the run's temp dir, no uplinks (it serves only what we publish).
import { existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { log, run, startDaemon } from './shell.mjs';

const VERDACCIO_VERSION = '6.8.0';

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Installs verdaccio into `cacheDir` unless it is there; returns its bin script. */
export async function installVerdaccio(cacheDir, npmEnv) {
  const dir = join(cacheDir, `verdaccio-${VERDACCIO_VERSION}`);
  const bin = join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (existsSync(join(dir, '.complete'))) {
    log(`verdaccio ${VERDACCIO_VERSION}: cached in ${dir}`);
    return bin;
  }
  // Built in a staging dir and renamed, so an interrupted install is never mistaken for a good one.
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({
      name: 'tokens-release-check-tools',
      private: true,
      dependencies: { verdaccio: VERDACCIO_VERSION },
      // verdaccio-audit's node-fetch 3 is ESM-only and breaks verdaccio 6.8 at startup.
      overrides: { 'verdaccio-audit': { 'node-fetch': '2.7.0' } },
    }),
  );
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, env: npmEnv, show: 'tail' });
    writeFileSync(join(staging, '.complete'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

/** Starts verdaccio in `dir` on a free port; resolves when it answers, with its URL and a publish token. */
export async function startRegistry(bin, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  mkdirSync(join(dir, 'storage'), { recursive: true });
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      'max_body_size: 200mb',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const logFile = join(dir, 'verdaccio.log');
  const child = startDaemon(process.execPath, [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    logFd: openSync(logFile, 'a'),
  });
  await waitFor(`verdaccio on ${url}`, child, logFile, async () => (await fetch(`${url}-/ping`)).ok);
  // The registry API's "create user" answers with a token, as `npm adduser` would store it.
  const response = await fetch(`${url}-/user/org.couchdb.user:release-check`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release-check', password: `pw-${process.pid}-${Date.now()}`, type: 'user', roles: [] }),
  });
  const body = await response.json();
  if (!response.ok || typeof body.token !== 'string')
    throw new Error(`verdaccio refused the publish user: ${response.status} ${JSON.stringify(body)}`);
  log(`verdaccio ${VERDACCIO_VERSION} ready on ${url} (pid ${child.pid}), user release-check created`);
  return { url, port, token: body.token, child };
}

/** Polls `ready` until it resolves true (30 s at most); fails at once if the server exits. */
export async function waitFor(what, child, logFile, ready) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}; see ${logFile}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not ready after 30 s`);
}

/** The registry's record of a package, or null. */
export async function packument(url, name) {
  const response = await fetch(`${url}${name.replace('/', '%2f')}`);
  return response.ok ? response.json() : null;
}
