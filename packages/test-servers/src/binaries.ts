import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL_HINT = 'bash scripts/install-test-servers.sh';

/** Where scripts/install-test-servers.sh puts what Debian does not package (keep in sync with it). */
export function cacheDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.TOKENS_TEST_SERVERS_CACHE) dirs.push(process.env.TOKENS_TEST_SERVERS_CACHE);
  dirs.push('/var/cache/tokens-test-servers');
  dirs.push(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tokens-test-servers'));
  // The script also links the cache into the repo's ignored .servers/ folder.
  dirs.push(resolve(fileURLToPath(new URL('../../../.servers', import.meta.url))));
  return dirs;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` in `extraDirs`, then PATH, then the sbin dirs (mariadbd lives there). */
export function findBinary(name: string, extraDirs: string[] = []): string | null {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...extraDirs, ...pathDirs, '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** In CI a missing server fails the run; locally the tests that need it skip with a hint. */
export function missingServer(server: string, binary: string): null {
  const message = `${server} is not installed (no ${binary} found): run \`${INSTALL_HINT}\``;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`@tokens/test-servers: ${message}; skipping its tests\n`);
  return null;
}
