import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/**
 * The crash and multi-process tests run the built package in child processes. turbo's `test`
 * depends on `^build` (the dependencies), not on this package's own build, so rebuild when stale.
 */
export default function setup(): void {
  if (newestMtime(join(root, 'src')) <= oldestDistMtime()) return;
  execFileSync('npx', ['tsdown', '--logLevel', 'warn'], { cwd: root, stdio: 'pipe' });
}

function newestMtime(dir: string): number {
  return Math.max(...readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs));
}

function oldestDistMtime(): number {
  try {
    return Math.min(...['index.mjs', 'index.cjs'].map((name) => statSync(join(root, 'dist', name)).mtimeMs));
  } catch {
    return 0;
  }
}
