import { ENCRYPTION_HANDLE, loadKeysFromEnv, type OAuthToken, type TokenStore } from '@tokens/core';
import { CliError, EXIT, UsageError } from './failure.js';
import { addSecrets } from './output.js';
import { parseStoreUrl, type StoreKind, type StoreSpec } from './url.js';
import { openZohoSource } from './zoho.js';

/** The package serving each kind, its factory and the driver it needs (for the install hint). */
const BACKENDS: Record<Exclude<StoreKind, 'zoho-csv' | 'zoho-mysql'>, { pkg: string; factory: string; driver?: string }> = {
  memory: { pkg: '@tokens/memory', factory: 'createMemoryStore' },
  file: { pkg: '@tokens/file', factory: 'createFileStore' },
  sqlite: { pkg: '@tokens/sqlite', factory: 'createSqliteStore', driver: 'better-sqlite3' },
  mysql: { pkg: '@tokens/mysql', factory: 'createMysqlStore', driver: 'mysql2' },
  postgres: { pkg: '@tokens/postgres', factory: 'createPostgresStore', driver: 'pg' },
  redis: { pkg: '@tokens/redis', factory: 'createRedisStore', driver: 'ioredis' },
  'redis-cluster': { pkg: '@tokens/redis', factory: 'createRedisStore', driver: 'ioredis' },
  mongo: { pkg: '@tokens/mongo', factory: 'createMongoStore', driver: 'mongodb' },
  'aws-secrets': { pkg: '@tokens/aws-secrets', factory: 'createAwsSecretsStore', driver: '@aws-sdk/client-secrets-manager' },
  dynamodb: { pkg: '@tokens/dynamodb', factory: 'createDynamoDbStore', driver: '@aws-sdk/client-dynamodb' },
};

/** The backend packages the CLI may load; each is imported only when its URL is used. */
const PACKAGES: ReadonlySet<string> = new Set([...Object.values(BACKENDS).map((backend) => backend.pkg), '@tokens/zoho']);

// A plain specifier: resolved by Node at run time from where @tokens/cli is installed, and optional
// (a peer the user installs only for the stores they use).
const importPackage = (name: string): Promise<unknown> => import(name);

export interface StoreOverrides {
  /** `--namespace`; a `namespace` in the URL's query wins. */
  namespace?: string;
  /** Defaults the CLI picks for a job (e.g. a larger pool for `copy`); the URL's own options win. */
  defaults?: Record<string, unknown>;
}

export interface OpenedStore {
  spec: StoreSpec;
  store: TokenStore;
}

/** Opens a read-write store from its URL. Zoho sources are refused here: they are only `copy` sources. */
export async function openStore(url: string, overrides: StoreOverrides = {}): Promise<OpenedStore> {
  const spec = parseStoreUrl(url);
  addSecrets(spec.secrets);
  if (spec.kind === 'zoho-csv' || spec.kind === 'zoho-mysql') {
    throw new UsageError(`${spec.display}: a Zoho SDK store can only be read by "tokens copy" (as FROM)`);
  }
  const backend = BACKENDS[spec.kind];
  const factory = await loadExport(backend.pkg, backend.factory, spec, backend.driver);
  const options = {
    ...overrides.defaults,
    ...(overrides.namespace === undefined ? {} : { namespace: overrides.namespace }),
    ...spec.options,
    ...encryptionOption(spec),
  };
  const store = (factory as (options: unknown) => TokenStore)(options);
  if (spec.encryption && !(ENCRYPTION_HANDLE in store)) {
    await store.close().catch(() => {});
    throw notAvailable(spec, `${backend.pkg} does not pass the encryption option on yet: refusing to write unencrypted`);
  }
  return { spec, store };
}

/** Core's `encryption` option from the environment variables the URL names (values never in the URL). */
function encryptionOption(spec: StoreSpec): Record<string, unknown> {
  if (!spec.encryption) return {};
  const { keysEnv, indexKeyEnv, allowPlaintext } = spec.encryption;
  let keys: ReturnType<typeof loadKeysFromEnv>;
  try {
    keys = loadKeysFromEnv(keysEnv, { indexKeyVariable: indexKeyEnv });
  } catch (error) {
    // loadKeysFromEnv names the variable and entry, never a key.
    throw new UsageError(`${spec.display}: ${(error as Error).message}`);
  }
  return { encryption: { ...keys, ...(allowPlaintext ? { allowPlaintext: true } : {}) } };
}

/** What `copy` reads from: a store, or a Zoho SDK store through `@tokens/zoho`'s importers. */
export interface TokenSource {
  spec: StoreSpec;
  getTokens(): Promise<OAuthToken[]>;
  close(): Promise<void>;
}

export async function openSource(url: string, overrides: StoreOverrides = {}): Promise<TokenSource> {
  const spec = parseStoreUrl(url);
  addSecrets(spec.secrets);
  if (spec.kind === 'zoho-csv' || spec.kind === 'zoho-mysql') {
    const zoho = await loadModule('@tokens/zoho', spec, spec.kind === 'zoho-mysql' ? 'mysql2' : undefined);
    return openZohoSource(spec, zoho);
  }
  const { store } = await openStore(url, overrides);
  return { spec, getTokens: () => store.getTokens(), close: () => store.close() };
}

export async function loadExport(pkg: string, name: string, spec: StoreSpec, driver?: string): Promise<unknown> {
  const module = await loadModule(pkg, spec, driver);
  const value = module[name];
  if (typeof value !== 'function') throw notAvailable(spec, `${pkg} has no ${name}`);
  return value;
}

export async function loadModule(pkg: string, spec: StoreSpec, driver?: string): Promise<Record<string, unknown>> {
  if (!PACKAGES.has(pkg)) throw notAvailable(spec, `unknown package ${pkg}`);
  try {
    return (await importPackage(pkg)) as Record<string, unknown>;
  } catch (error) {
    const missing = missingModule(error);
    if (missing === undefined) throw error;
    if (missing.startsWith('/') || missing.startsWith('.') || /^[A-Za-z]:/.test(missing)) {
      throw new CliError(
        'MISSING_PACKAGE',
        `${pkg} is installed but incomplete (a file of it is missing): reinstall it`,
        EXIT.MISSING,
        error,
      );
    }
    const what = missing === pkg || !driver ? [pkg, driver].filter(Boolean).join(' ') : missing;
    throw new CliError('MISSING_PACKAGE', `${scheme(spec)} URLs need ${what}: npm install ${what}`, EXIT.MISSING, error);
  }
}

export function notAvailable(spec: StoreSpec, why: string): CliError {
  return new CliError('NOT_AVAILABLE', `${scheme(spec)} URLs are not available in this version of @tokens/cli (${why})`, EXIT.MISSING);
}

function scheme(spec: StoreSpec): string {
  return `${spec.display.slice(0, spec.display.indexOf(':'))}:`;
}

/** The package a failed import could not find, from Node's ERR_MODULE_NOT_FOUND / MODULE_NOT_FOUND. */
function missingModule(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const found = /Cannot find (?:package|module) '([^']+)'/.exec(String(message));
  const name = found?.[1] ?? '';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return name;
  const parts = name.startsWith('@') ? name.split('/').slice(0, 2) : name.split('/').slice(0, 1);
  return parts.join('/') || 'a package';
}
