import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// A TypeScript user who ran only the README's install line has no @types/better-sqlite3:
// our declarations must compile without them, with skipLibCheck: false. The consumer gets
// copies of the built packages (not links into this workspace, whose node_modules hold those
// types) and @types/node, nothing else.
const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, '../../package.json'));
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');

it('a consumer compiles with skipLibCheck: false and no @types/better-sqlite3', () => {
  const dir = tempDir();
  const modules = join(dir, 'node_modules');
  for (const [name, source] of [
    ['@tokens/core', join(root, '../core')],
    ['@tokens/sqlite', root],
  ] as const) {
    mkdirSync(join(modules, name), { recursive: true });
    cpSync(join(source, 'package.json'), join(modules, name, 'package.json'));
    cpSync(join(source, 'dist'), join(modules, name, 'dist'), { recursive: true });
  }
  const typesNode = realpathSync(dirname(require.resolve('@types/node/package.json')));
  cpSync(typesNode, join(modules, '@types/node'), { recursive: true, dereference: true });
  cpSync(realpathSync(join(typesNode, '../../undici-types')), join(modules, 'undici-types'), { recursive: true, dereference: true });
  writeFileSync(
    join(dir, 'consumer.mts'),
    `import { createSqliteStore, type SqliteDatabase, type SqliteStoreOptions } from '@tokens/sqlite';
const options: SqliteStoreOptions = { path: ':memory:', namespace: 'typed' };
const store = createSqliteStore(options);
const saved = await store.saveToken({ userSignature: 'u', accessToken: 'a' });
const version: number = saved.version;
export const unused: SqliteDatabase | undefined = undefined;
export { version };
// @ts-expect-error a path is a string
createSqliteStore({ path: 42 });
`,
  );
  const compilerOptions = {
    target: 'es2022',
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['consumer.mts'] }));
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
  } catch (error) {
    output = String((error as { stdout?: unknown }).stdout ?? error);
  }
  expect(output).toBe('');
}, 120_000);
