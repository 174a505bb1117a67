// A throwaway copy of the checkout to release from: the working tree as git sees it (tracked and
// untracked files, minus ignored ones: uncommitted work included), plus the build output of every
// package, which git ignores. Versions and changelogs change only in the copy.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const SKIP = /(^|\/)(node_modules|\.git|\.turbo|\.servers|\.tmp|coverage)(\/|$)/;

export function listPackages(root) {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
}

export function copyWorkspace(root, dest) {
  let files = null;
  try {
    files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 << 20 })
      .toString()
      .split('\0')
      .filter(Boolean);
  } catch {
    // not a git checkout (e.g. an unpacked tarball): copy everything but dependencies and caches
  }
  if (files) {
    for (const file of files) {
      const source = join(root, file);
      if (SKIP.test(file) || !existsSync(source) || lstatSync(source).isDirectory()) continue; // deleted, or a submodule
      mkdirSync(dirname(join(dest, file)), { recursive: true });
      cpSync(source, join(dest, file), { verbatimSymlinks: true });
    }
  } else {
    cpSync(root, dest, { recursive: true, verbatimSymlinks: true, filter: (source) => !SKIP.test(relative(root, source)) });
  }
  for (const { dir } of listPackages(root)) {
    if (existsSync(join(dir, 'dist'))) cpSync(join(dir, 'dist'), join(dest, relative(root, dir), 'dist'), { recursive: true });
  }
  // Only the changesets CLI and its changelog generator are needed from node_modules: share the real one.
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'), 'dir');
  linkWorkspaceDependencies(dest);
  return files ? `${files.length} files from git ls-files + build output` : 'a recursive copy';
}

/**
 * pnpm publish turns `workspace:^` into the version it finds in the package's node_modules: link each
 * workspace dependency to the copy's own package (as `pnpm install` would), so the ranges follow the
 * copy's new versions, without installing anything.
 */
function linkWorkspaceDependencies(dest) {
  const packages = listPackages(dest);
  const dirOf = new Map(packages.map(({ dir, manifest }) => [manifest.name, dir]));
  for (const { dir, manifest } of packages) {
    const fields = [manifest.dependencies, manifest.devDependencies, manifest.peerDependencies, manifest.optionalDependencies];
    for (const [name, spec] of fields.flatMap((field) => Object.entries(field ?? {}))) {
      const link = join(dir, 'node_modules', name);
      if (!String(spec).startsWith('workspace:') || !dirOf.has(name) || existsSync(link)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(dirOf.get(name), link, 'dir');
    }
  }
}

/**
 * What a release changes in a checkout: versions, changelogs, and the changesets it consumes. The
 * check compares snapshots to prove the real checkout kept them (changesets added meanwhile are fine).
 */
export function releaseSnapshot(root) {
  const digest = (path) => (existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null);
  const packages = listPackages(root);
  return {
    versions: Object.fromEntries(packages.map(({ manifest }) => [manifest.name, manifest.version])),
    changelogs: Object.fromEntries(packages.map(({ dir, manifest }) => [manifest.name, digest(join(dir, 'CHANGELOG.md'))])),
    changesets: readdirSync(join(root, '.changeset')).filter((name) => name.endsWith('.md')),
  };
}

/** The differences between two snapshots that a release would have caused, in words. */
export function releaseChanges(before, after) {
  const changes = [];
  for (const [name, version] of Object.entries(before.versions)) {
    if (after.versions[name] !== version) changes.push(`${name} version ${version} -> ${after.versions[name]}`);
    if (after.changelogs[name] !== before.changelogs[name]) changes.push(`${name} CHANGELOG.md changed`);
  }
  for (const name of before.changesets) if (!after.changesets.includes(name)) changes.push(`.changeset/${name} is gone`);
  return changes;
}
