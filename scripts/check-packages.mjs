// Checks what users will install: every public package passes publint and attw, and the packed
// core + sqlite tarballs work from CommonJS and ESM in a project that installs nothing else.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'inherit', ...options });

const publicPackages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);

for (const dir of publicPackages) {
  console.log(`\n--- ${dir.slice(root.length + 1)}: publint, attw`);
  run(bin('publint'), ['--strict', dir]);
  // node10 resolution predates `exports`: subpaths such as @tokens/core/conformance need node16+ or a bundler.
  run(bin('attw'), ['--pack', dir, '--profile', 'node16', '--format', 'table-flipped'], { cwd: dir });
}

console.log('\n--- packed install: @tokens/core + @tokens/sqlite only');
const work = mkdtempSync(join(tmpdir(), 'tokens-pack-'));
try {
  const tarballs = ['core', 'sqlite'].map((name) => {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: join(root, 'packages', name), encoding: 'utf8' });
    return join(work, out.trim().split('\n').pop().split('/').pop());
  });
  const project = join(work, 'app');
  run('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tokens-consumer', private: true, version: '1.0.0' }));
  // The driver is linked from this workspace, where it is already compiled (a second native build takes ~100 s).
  const driver = realpathSync(join(root, 'packages', 'sqlite', 'node_modules', 'better-sqlite3'));
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, driver], { cwd: project });

  const installed = readdirSync(join(project, 'node_modules'), { recursive: true }).map(String);
  const forbidden = installed.filter((path) => /(^|\/)(mysql2|ioredis|mongodb|@aws-sdk)(\/|$)/.test(path));
  if (forbidden.length > 0) throw new Error(`other backends' drivers were installed: ${forbidden.slice(0, 5).join(', ')}`);
  console.log(`node_modules holds: ${readdirSync(join(project, 'node_modules')).join(', ')}`);
  console.log('no mysql2, ioredis, mongodb or @aws-sdk installed');

  const roundTrip = (load) => `
    const path = require('node:path').join(${JSON.stringify(work)}, 'tokens-' + process.pid + '.db');
    ${load}
    (async () => {
      const store = createSqliteStore({ path });
      const saved = await store.saveToken({ userSignature: 'alice@example.com', refreshToken: 'r1', accessToken: 'a1', expiryTime: Date.now() + 3600000 });
      const found = await store.findToken({ refreshToken: 'r1', clientId: 'c', clientSecret: 's' });
      if (found?.id !== saved.id) throw new Error('round trip failed');
      if (!(await store.findToken({}).catch((e) => e instanceof TokenStoreError && e.code === 'INVALID_TOKEN'))) throw new Error('no typed error');
      await store.close();
      console.log(MODE + ': saved, found by refresh token, typed error ok (' + found.userSignature + ', version ' + found.version + ')');
    })().catch((error) => { console.error(error); process.exit(1); });`;
  writeFileSync(
    join(project, 'require.cjs'),
    `const MODE = 'require'; const { createSqliteStore } = require('@tokens/sqlite'); const { TokenStoreError } = require('@tokens/core');${roundTrip('')}`,
  );
  writeFileSync(
    join(project, 'import.mjs'),
    `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const MODE = 'import';
     import { createSqliteStore } from '@tokens/sqlite'; import { TokenStoreError } from '@tokens/core';${roundTrip('')}`,
  );
  run(process.execPath, ['require.cjs'], { cwd: project });
  run(process.execPath, ['import.mjs'], { cwd: project });
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('\npackages ok');
