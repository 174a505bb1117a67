// End-to-end release check, on a throwaway copy of this checkout (run after `pnpm build`):
// `changeset version`, `changeset publish` to a local verdaccio, then fresh npm projects install
// @tokens/redis alone, @tokens/sqlite alone, @tokens/postgres alone, @tokens/dynamodb alone (on moto)
// and a third-party store the way users do, and a second release must install as the next version. Nothing of the real checkout
// changes; no process or temp file outlives the run. `--skip-unbuilt` (development only) leaves
// unbuilt packages out.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createProject, writeConsumers } from './consumers.mjs';
import { dynamoItemCount, findMoto, startMoto } from './moto.mjs';
import { findPostgres, psqlValue, startPostgres } from './postgres.mjs';
import { findRedisServer, redisCommand, startRedis } from './redis.mjs';
import { installVerdaccio, packument, startRegistry } from './registry.mjs';
import { cleanup, log, run, section, tempDir } from './shell.mjs';
import { copyWorkspace, listPackages, releaseChanges, releaseSnapshot } from './workspace-copy.mjs';

const root = resolve(import.meta.dirname, '../..');
const CI = process.env.CI === 'true';
const skipUnbuilt = process.argv.includes('--skip-unbuilt');
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const cacheDir =
  process.env.TOKENS_RELEASE_CHECK_CACHE ??
  (process.getuid?.() === 0
    ? '/var/cache/tokens-release-check'
    : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tokens-release-check'));
// Consumers get @tokens/* from the local registry (their .npmrc) and everything else from the
// default registry, through a cache of their own so runs are quick and ~/.npm stays clean.
const npmEnv = {
  npm_config_cache: join(cacheDir, 'npm'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const changeset = join(root, 'node_modules', '.bin', 'changeset');
const FORBIDDEN = ['mysql2', 'mongodb', 'ioredis', 'better-sqlite3', '@aws-sdk/client-secrets-manager', 'pg', '@aws-sdk/client-dynamodb'];

function check(condition, message) {
  if (!condition) throw new Error(`release check: ${message}`);
  log(`ok: ${message}`);
}

/** Packages named by the changesets waiting in `.changeset/`. */
function pendingReleases(repo) {
  const names = new Set();
  for (const file of readdirSync(join(repo, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    const front = readFileSync(join(repo, '.changeset', file), 'utf8').split(/^---$/m)[1] ?? '';
    for (const match of front.matchAll(/^\s*["']?([^"':\s]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) names.add(match[1]);
  }
  return names;
}

const readVersions = (repo) => Object.fromEntries(listPackages(repo).map(({ manifest }) => [manifest.name, manifest.version]));

async function main() {
  if (CI && skipUnbuilt) throw new Error('--skip-unbuilt is for development; CI checks every package');
  const publics = listPackages(root).filter(({ manifest }) => !manifest.private);
  const unbuilt = publics.filter(({ dir }) => !existsSync(join(dir, 'dist')));
  if (unbuilt.length > 0 && !skipUnbuilt) {
    throw new Error(`build first (pnpm build): no dist/ in ${unbuilt.map(({ manifest }) => manifest.name).join(', ')}`);
  }
  const snapshot = releaseSnapshot(root);
  const work = tempDir(mkdtempSync(join(tmpdir(), 'tokens-release-check-')));
  const repo = join(work, 'repo');
  log(`release check in ${work} (removed at the end); tool cache ${cacheDir}`);

  section('1. a throwaway copy of the checkout');
  log(`copied ${copyWorkspace(root, repo)} into ${repo}`);
  for (const { dir, manifest } of unbuilt) {
    const path = join(repo, relative(root, dir), 'package.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), private: true }, null, 2));
    log(`--skip-unbuilt: ${manifest.name} has no dist/, left out of this release`);
  }
  const published = (name) =>
    publics.some(({ manifest }) => manifest.name === name) && !unbuilt.some(({ manifest }) => manifest.name === name);

  section('2. changeset version (in the copy)');
  const pending = pendingReleases(repo);
  log(
    pending.size > 0
      ? `pending changesets release: ${[...pending].join(', ')}`
      : 'no pending changesets: the current versions are released',
  );
  const before = readVersions(repo);
  await run(changeset, ['version'], { cwd: repo });
  const first = readVersions(repo);
  for (const [name, version] of Object.entries(first)) log(`  ${name.padEnd(22)} ${before[name]} -> ${version}`);
  for (const name of pending) {
    const changelog = join(repo, relative(root, listPackages(root).find(({ manifest }) => manifest.name === name).dir), 'CHANGELOG.md');
    check(
      first[name] !== before[name] && existsSync(changelog) && readFileSync(changelog, 'utf8').includes(`## ${first[name]}`),
      `${name} moved from ${before[name]} to ${first[name]}, with a CHANGELOG.md entry`,
    );
  }
  if (existsSync(join(repo, 'packages/core/CHANGELOG.md'))) {
    log(`\npackages/core/CHANGELOG.md:\n${readFileSync(join(repo, 'packages/core/CHANGELOG.md'), 'utf8')}`);
  }

  section('3. a local registry');
  const verdaccio = await installVerdaccio(cacheDir, npmEnv);
  const registry = await startRegistry(verdaccio, join(work, 'registry'));
  const host = registry.url.replace(/^http:/, '');
  writeFileSync(
    join(repo, '.npmrc'),
    `${readFileSync(join(repo, '.npmrc'), 'utf8')}\nregistry=${registry.url}\n${host}:_authToken=${registry.token}\n`,
  );
  const publishEnv = { ...npmEnv, npm_config_registry: registry.url };

  section('4. release: changeset publish');
  await run(changeset, ['publish', '--no-git-tag'], { cwd: repo, env: publishEnv });
  for (const { manifest } of publics.filter(({ manifest }) => published(manifest.name))) {
    const latest = (await packument(registry.url, manifest.name))?.['dist-tags']?.latest;
    check(latest === first[manifest.name], `${manifest.name}@${first[manifest.name]} is on the registry as latest`);
  }
  const viewed = await run('npm', ['view', '@tokens/core', 'version', '--registry', registry.url], { env: npmEnv });
  check(viewed.output.trim() === first['@tokens/core'], `npm view @tokens/core version: ${viewed.output.trim()}`);

  section('5. publishing the same version again fails');
  const shasum = (await packument(registry.url, '@tokens/core')).versions[first['@tokens/core']].dist.shasum;
  const again = await run('pnpm', ['publish', '--no-git-checks'], {
    cwd: join(repo, 'packages/core'),
    env: publishEnv,
    allowFailure: true,
    show: 'none',
  });
  const refusal = again.output.split('\n').filter((line) => /E40[39]|40[39]|previously published|already present/i.test(line));
  log(refusal.map((line) => `  | ${line}`).join('\n'));
  check(again.code !== 0, 'a second publish of @tokens/core exits non-zero');
  check(
    /40[39]/.test(again.output) && /cannot publish over the previously published versions?|already present/i.test(again.output),
    'the registry refused it: 409 Conflict (verdaccio: "this package is already present"; npmjs: "cannot publish over the previously published versions")',
  );
  const after = (await packument(registry.url, '@tokens/core')).versions[first['@tokens/core']].dist.shasum;
  check(after === shasum, `the published tarball is unchanged (shasum ${shasum})`);

  const consumers = join(work, 'consumers');
  if (published('@tokens/redis')) await redisConsumer(consumers, registry, first);
  else log('\n(@tokens/redis not built: its consumers were skipped — --skip-unbuilt)');
  if (published('@tokens/sqlite')) await sqliteConsumer(consumers, registry, first);
  for (const backend of TYPED_ONLY) if (published(backend.pkg)) await typedConsumer(consumers, registry, first, backend);
  if (published('@tokens/postgres')) await postgresConsumer(consumers, registry, first);
  if (published('@tokens/dynamodb')) await dynamodbConsumer(consumers, registry, first);
  await thirdPartyStore(consumers, repo, registry, first);

  section('9. a second release: a patch changeset for @tokens/core');
  writeFileSync(
    join(repo, '.changeset/release-check-patch.md'),
    '---\n"@tokens/core": patch\n---\n\nRelease check: a patch release of core.\n',
  );
  await run(changeset, ['version'], { cwd: repo });
  const second = readVersions(repo);
  for (const [name, version] of Object.entries(second))
    if (version !== first[name]) log(`  ${name.padEnd(22)} ${first[name]} -> ${version}`);
  const [major, minor, patch] = first['@tokens/core'].split('.').map(Number);
  const next = `${major}.${minor}.${patch + 1}`;
  check(second['@tokens/core'] === next, `@tokens/core is now ${next}`);
  const changelog = readFileSync(join(repo, 'packages/core/CHANGELOG.md'), 'utf8');
  check(
    changelog.includes(`## ${next}`) && (!pending.has('@tokens/core') || changelog.includes(`## ${first['@tokens/core']}`)),
    `packages/core/CHANGELOG.md has the ${next} entry above the earlier ones`,
  );
  log(`\npackages/core/CHANGELOG.md:\n${changelog}`);
  await run(changeset, ['publish', '--no-git-tag'], { cwd: repo, env: publishEnv });
  const viewedNext = await run('npm', ['view', '@tokens/core', 'version', '--registry', registry.url], { env: npmEnv });
  check(viewedNext.output.trim() === next, `npm view @tokens/core version: ${next}`);
  const upgrade = createProject(join(consumers, 'upgrade'), registry.url);
  await run('npm', ['install', '--loglevel=error', '@tokens/memory'], { cwd: upgrade, env: npmEnv, show: 'tail' });
  await run('npm', ['ls', '--all'], { cwd: upgrade, env: npmEnv });
  const installedCore = JSON.parse(readFileSync(join(upgrade, 'node_modules/@tokens/core/package.json'), 'utf8')).version;
  check(installedCore === next, `a fresh \`npm install @tokens/memory\` brings @tokens/core ${installedCore}`);
  writeFileSync(
    join(upgrade, 'index.mjs'),
    [
      "import { createRequire } from 'node:module';",
      "import { createMemoryStore } from '@tokens/memory';",
      "const { version } = createRequire(import.meta.url)('@tokens/core/package.json');",
      "const saved = await createMemoryStore().saveToken({ userSignature: 'bob', refreshToken: 'r' });",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the consumer's source text
      'console.log(`memory on @tokens/core ${version}: saved ${saved.userSignature}, version ${saved.version}`);',
      '',
    ].join('\n'),
  );
  await run(process.execPath, ['index.mjs'], { cwd: upgrade });

  section('10. the real checkout is untouched');
  const changes = releaseChanges(snapshot, releaseSnapshot(root));
  check(
    changes.length === 0,
    `the real checkout kept its versions, changelogs and changesets${changes.length ? `: ${changes.join('; ')}` : ''}`,
  );
}

/** npm install, then the tree, then: no other backend's driver in it. */
async function install(dir, expected, args = [], env = {}) {
  await run('npm', ['install', '--loglevel=error', ...args], { cwd: dir, env: { ...npmEnv, ...env }, show: 'tail' });
  await run('npm', ['ls', '--all'], { cwd: dir, env: npmEnv });
  const names = new Set();
  const walk = (node) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      names.add(name);
      walk(child);
    }
  };
  walk(JSON.parse((await run('npm', ['ls', '--all', '--json'], { cwd: dir, env: npmEnv, show: 'none' })).output));
  for (const name of expected) check(names.has(name), `the tree holds ${name}`);
  const intruders = FORBIDDEN.filter((name) => names.has(name) && !expected.includes(name));
  check(intruders.length === 0, `no other backend's driver (${FORBIDDEN.filter((name) => !expected.includes(name)).join(', ')})`);
}

async function runConsumers(dir, env) {
  const tsc = join(dir, 'node_modules/.bin/tsc');
  await run(process.execPath, ['require.cjs'], { cwd: dir, env });
  await run(process.execPath, ['import.mjs'], { cwd: dir, env });
  await run(tsc, ['-p', 'tsconfig.node16.json'], { cwd: dir });
  await run(process.execPath, ['out/typed.mjs'], { cwd: dir, env });
  await run(process.execPath, ['out/typed.cjs'], { cwd: dir, env });
  await run(tsc, ['-p', 'tsconfig.bundler.json'], { cwd: dir });
  log('ok: CommonJS, ESM and TypeScript (node16 emitted and run, bundler type-checked) consumers');
}

const typescriptDevDependencies = () =>
  Object.fromEntries(['typescript', '@types/node'].map((name) => [name, rootManifest.devDependencies[name]]));

async function redisConsumer(consumers, registry, versions) {
  section('6. @tokens/redis alone (npm install @tokens/redis ioredis)');
  const binary = findRedisServer();
  if (!binary) {
    if (CI) throw new Error('redis-server is missing (bash scripts/install-test-servers.sh)');
    log('SKIPPED: redis-server is not installed (apt-get install redis-server, or bash scripts/install-test-servers.sh)');
    return;
  }
  const redis = await startRedis(binary, tempDir(join(consumers, 'redis-data')));
  const ioredis = JSON.parse(readFileSync(join(root, 'packages/redis/package.json'), 'utf8')).devDependencies.ioredis;
  const dir = createProject(join(consumers, 'redis'), registry.url, {
    dependencies: { '@tokens/redis': versions['@tokens/redis'], ioredis },
    devDependencies: typescriptDevDependencies(),
  });
  writeConsumers(dir, {
    pkg: '@tokens/redis',
    factory: 'createRedisStore',
    options: (namespace) => `{ url: process.env.REDIS_URL, namespace: '${namespace}' }`,
  });
  await install(dir, ['@tokens/redis', '@tokens/core', 'ioredis']);
  await runConsumers(dir, { REDIS_URL: redis.url });
  const keys = Number(await redisCommand(redis.port, 'DBSIZE'));
  check(keys > 0, `the tokens are in redis-server (${keys} keys)`);
}

async function sqliteConsumer(consumers, registry, versions) {
  section('7. @tokens/sqlite alone (npm install @tokens/sqlite better-sqlite3)');
  const sqliteDevDependencies = JSON.parse(readFileSync(join(root, 'packages/sqlite/package.json'), 'utf8')).devDependencies;
  const driverVersion = sqliteDevDependencies['better-sqlite3'];
  // better-sqlite3 ships no types, and @tokens/sqlite's declarations do not need them: the README's
  // install line and TypeScript compile with skipLibCheck false, no @types/better-sqlite3.
  const dir = createProject(join(consumers, 'sqlite'), registry.url, {
    dependencies: { '@tokens/sqlite': versions['@tokens/sqlite'], 'better-sqlite3': driverVersion },
    devDependencies: typescriptDevDependencies(),
  });
  writeConsumers(dir, {
    pkg: '@tokens/sqlite',
    factory: 'createSqliteStore',
    options: (namespace) => `{ path: process.env.TOKENS_DB, namespace: '${namespace}' }`,
  });
  // better-sqlite3 has no downloadable binary here and compiles for ~100 s. Unless asked to compile,
  // it is installed from npm without its build script and given the binary the workspace compiled
  // for the same version and Node: the tree is what users get, only the compile is skipped.
  const compiled = join(root, 'packages/sqlite/node_modules/better-sqlite3');
  const binary = 'build/Release/better_sqlite3.node';
  const reuse =
    process.env.TOKENS_RELEASE_CHECK_COMPILE !== '1' &&
    existsSync(join(compiled, binary)) &&
    JSON.parse(readFileSync(join(compiled, 'package.json'), 'utf8')).version === driverVersion;
  if (reuse) {
    await install(dir, ['@tokens/sqlite', '@tokens/core', 'better-sqlite3'], ['--ignore-scripts']);
    mkdirSync(join(dir, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    cpSync(join(compiled, binary), join(dir, 'node_modules/better-sqlite3', binary));
    log(`better-sqlite3 ${driverVersion}: installed with --ignore-scripts, binary copied from the workspace's compiled copy`);
  } else {
    const headers = existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {};
    await install(dir, ['@tokens/sqlite', '@tokens/core', 'better-sqlite3'], [], headers);
  }
  const db = join(dir, 'tokens.db');
  await runConsumers(dir, { TOKENS_DB: db });
  check(statSync(db).size > 0, `the tokens are in ${db} (${statSync(db).size} bytes)`);
}

async function postgresConsumer(consumers, registry, versions) {
  section('7b. @tokens/postgres alone (npm install @tokens/postgres pg)');
  const bin = findPostgres();
  if (!bin) {
    if (CI) throw new Error('PostgreSQL is missing (bash scripts/install-test-servers.sh)');
    log('SKIPPED: PostgreSQL is not installed (apt-get install postgresql-15, or bash scripts/install-test-servers.sh)');
    return;
  }
  // Its own dir under the system temp dir: the server's user must reach it, and the work dir is root's 0700.
  const postgres = await startPostgres(bin, tempDir(mkdtempSync(join(tmpdir(), 'tokens-release-check-postgres-'))));
  const devDependencies = JSON.parse(readFileSync(join(root, 'packages/postgres/package.json'), 'utf8')).devDependencies;
  // pg ships no types: TypeScript users add @types/pg, which @tokens/postgres's declarations need too.
  const dir = createProject(join(consumers, 'postgres'), registry.url, {
    dependencies: { '@tokens/postgres': versions['@tokens/postgres'], pg: devDependencies.pg },
    devDependencies: { ...typescriptDevDependencies(), '@types/pg': devDependencies['@types/pg'] },
  });
  writeConsumers(dir, {
    pkg: '@tokens/postgres',
    factory: 'createPostgresStore',
    options: (namespace) => `{ url: process.env.DATABASE_URL, namespace: '${namespace}' }`,
  });
  await install(dir, ['@tokens/postgres', '@tokens/core', 'pg']);
  await runConsumers(dir, { DATABASE_URL: postgres.url });
  const rows = Number(
    psqlValue(
      bin,
      postgres.port,
      'SELECT (SELECT count(*) FROM cjs) + (SELECT count(*) FROM esm) + (SELECT count(*) FROM ts_esm) + (SELECT count(*) FROM ts_cjs)',
    ),
  );
  check(rows === 4, `the tokens are in PostgreSQL (${rows} rows in the consumers' four tables)`);
}

async function dynamodbConsumer(consumers, registry, versions) {
  section('7d. @tokens/dynamodb alone (npm install @tokens/dynamodb @aws-sdk/client-dynamodb)');
  const binary = findMoto();
  if (!binary) {
    if (CI) throw new Error('moto is missing (bash scripts/install-test-servers.sh)');
    log('SKIPPED: moto is not installed (bash scripts/install-test-servers.sh)');
    return;
  }
  const moto = await startMoto(binary, tempDir(join(consumers, 'moto-data')));
  const driver = JSON.parse(readFileSync(join(root, 'packages/dynamodb/package.json'), 'utf8')).devDependencies['@aws-sdk/client-dynamodb'];
  const dir = createProject(join(consumers, 'dynamodb'), registry.url, {
    dependencies: { '@tokens/dynamodb': versions['@tokens/dynamodb'], '@aws-sdk/client-dynamodb': driver },
    devDependencies: typescriptDevDependencies(),
  });
  // Fake credentials: moto accepts any, and the SDK then never looks for real ones on this machine.
  writeConsumers(dir, {
    pkg: '@tokens/dynamodb',
    factory: 'createDynamoDbStore',
    options: (namespace) =>
      `{ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, table: 'tokens', namespace: '${namespace}' }`,
  });
  await install(dir, ['@tokens/dynamodb', '@tokens/core', '@aws-sdk/client-dynamodb']);
  await runConsumers(dir, { DYNAMODB_ENDPOINT: moto.endpoint });
  // Four consumers, each one token with a user, an access and a refresh key item.
  const items = await dynamoItemCount(moto.endpoint, 'tokens');
  check(items === 16, `the tokens are in moto's DynamoDB (${items} items in table tokens: 4 tokens and their 12 key items)`);
}

/**
 * Backends whose consumers are type-checked only (no server here to run them against): each is
 * installed with its README's install line, and the TypeScript consumer must compile with
 * `skipLibCheck: false`, so their declarations and their drivers' must hold up without extra
 * @types packages.
 */
const TYPED_ONLY = [
  { pkg: '@tokens/memory', factory: 'createMemoryStore', drivers: [], options: (namespace) => `{ namespace: '${namespace}' }` },
  {
    pkg: '@tokens/file',
    factory: 'createFileStore',
    drivers: [],
    options: (namespace) => `{ path: 'tokens.json', namespace: '${namespace}' }`,
  },
  {
    pkg: '@tokens/mysql',
    factory: 'createMysqlStore',
    drivers: ['mysql2'],
    options: (namespace) => `{ uri: 'mysql://app:pw@127.0.0.1:3306/app', namespace: '${namespace}' }`,
  },
  {
    pkg: '@tokens/mongo',
    factory: 'createMongoStore',
    drivers: ['mongodb'],
    options: (namespace) => `{ url: 'mongodb://127.0.0.1:27017/', namespace: '${namespace}' }`,
  },
  {
    pkg: '@tokens/aws-secrets',
    factory: 'createAwsSecretsStore',
    drivers: ['@aws-sdk/client-secrets-manager'],
    options: (namespace) => `{ region: 'us-east-1', namespace: '${namespace}' }`,
  },
];

async function typedConsumer(consumers, registry, versions, { pkg, factory, drivers, options }) {
  section(`7c. ${pkg} for TypeScript (npm install ${[pkg, ...drivers].join(' ')}; tsc with skipLibCheck false)`);
  const devDependencies = JSON.parse(
    readFileSync(join(root, 'packages', pkg.replace('@tokens/', ''), 'package.json'), 'utf8'),
  ).devDependencies;
  const dir = createProject(join(consumers, pkg.replace('@tokens/', 'typed-')), registry.url, {
    dependencies: { [pkg]: versions[pkg], ...Object.fromEntries(drivers.map((driver) => [driver, devDependencies[driver]])) },
    devDependencies: typescriptDevDependencies(),
  });
  writeConsumers(dir, { pkg, factory, options });
  await install(dir, [pkg, '@tokens/core', ...drivers]);
  const tsc = join(dir, 'node_modules/.bin/tsc');
  await run(tsc, ['-p', 'tsconfig.node16.json', '--noEmit'], { cwd: dir });
  await run(tsc, ['-p', 'tsconfig.bundler.json'], { cwd: dir });
  log(`ok: ${pkg} type-checks for TypeScript consumers (node16 and bundler resolution, skipLibCheck false)`);
}

async function thirdPartyStore(consumers, repo, registry, versions) {
  section('8. a third-party store: examples/custom-store against the published suite');
  const example = readFileSync(join(root, 'examples/custom-store/object-store.mjs'), 'utf8');
  const readme = readFileSync(join(root, 'README.md'), 'utf8').split('## Test your own store')[1]?.split('\n## ')[0] ?? '';
  if (readme.includes('examples/custom-store.mjs')) {
    log('note: README.md still shows examples/custom-store.mjs; scripts/release-check/README-section.md is its replacement');
  } else {
    const shown = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    check(
      shown !== undefined && example.endsWith(shown),
      'README\'s "Test your own store" shows examples/custom-store/object-store.mjs as it is',
    );
  }
  const dir = join(consumers, 'custom-store');
  cpSync(join(repo, 'examples/custom-store'), dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const range = manifest.dependencies['@tokens/core'];
  if (!caretAllows(range, versions['@tokens/core'])) {
    log(
      `note: examples/custom-store asks for @tokens/core ${range}, this release is ${versions['@tokens/core']}: installing ^${versions['@tokens/core']}`,
    );
    manifest.dependencies['@tokens/core'] = `^${versions['@tokens/core']}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  }
  createProject(dir, registry.url, manifest);
  await install(dir, ['@tokens/core', 'vitest']);
  await run('npm', ['test'], { cwd: dir, env: npmEnv, show: /^> |^# (tests|pass|fail)|Test Files|Tests {2}/ });
  const good = await run(process.execPath, ['report.mjs'], { cwd: dir, show: /^@tokens|passed, \d+ failed/ });
  check(/ 0 failed$/.test(good.output.trim()), 'the object store passes the published suite (node:test, vitest, runConformance)');
  const broken = await run(process.execPath, ['report.mjs', '--broken'], { cwd: dir, allowFailure: true, show: 'none' });
  log(
    broken.output
      .trimEnd()
      .split('\n')
      .filter((line) => !line.startsWith('ok '))
      .map((line) => `  | ${line}`)
      .join('\n'),
  );
  check(broken.code !== 0, 'the broken variant (case-insensitive keys) fails: node report.mjs --broken exits 1');
  check(
    /FAIL lookup\/user-exact-case-sensitive/.test(broken.output) &&
      /rule: Lookups compare exactly/.test(broken.output) &&
      /why: {2}\S/.test(broken.output),
    'its report names the rule: "rule: Lookups compare exactly …" with a "why:" line',
  );
  // The test runners must fail it too: the same two files, pointed at the broken store.
  for (const [file, runner] of [
    ['broken.node-test.mjs', ['node', '--test', 'broken.node-test.mjs']],
    ['broken.vitest.mjs', ['npx', 'vitest', 'run', '--config', 'broken.vitest.config.mjs']],
  ]) {
    const source = readFileSync(join(dir, file.replace('broken', 'conformance')), 'utf8');
    writeFileSync(
      join(dir, file),
      source.replace(
        "import { createObjectStore } from './object-store.mjs';",
        "import { createBrokenStore as createObjectStore } from './broken-store.mjs';",
      ),
    );
    writeFileSync(join(dir, 'broken.vitest.config.mjs'), "export default { test: { include: ['broken.vitest.mjs'] } };\n");
    const result = await run(runner[0], runner.slice(1), {
      cwd: dir,
      env: npmEnv,
      allowFailure: true,
      show: /user-exact-case-sensitive|^# (pass|fail)|Tests {2}/,
    });
    check(
      result.code !== 0 && result.output.includes('lookup/user-exact-case-sensitive'),
      `${runner.slice(0, 2).join(' ')} fails the broken store on lookup/user-exact-case-sensitive`,
    );
  }
}

/** `^a.b.c` for plain versions: the parts up to the first non-zero one are fixed, the rest may grow. */
function caretAllows(range, version) {
  const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!match) return false;
  const want = match.slice(1).map(Number);
  const have = version.split('.').map(Number);
  const fixed = want[0] > 0 ? 1 : want[1] > 0 ? 2 : 3;
  if (want.slice(0, fixed).some((part, i) => part !== have[i])) return false;
  for (let i = fixed; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`\nRELEASE CHECK FAILED: ${error instanceof Error ? error.message : error}`);
} finally {
  const stopped = await cleanup();
  log(`\ncleanup: stopped ${stopped} server process(es), removed the temp dirs`);
}
log(failed ? `release check failed after ${seconds()}` : `release check passed in ${seconds()}`);
process.exitCode = failed ? 1 : 0;
