import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import pg from 'pg';
import type { Connections } from './executor.js';
import { PostgresBackend } from './postgres-backend.js';
import { isValidSchema } from './schema.js';

export interface PostgresStoreOptions extends TokenStoreOptions {
  /** `postgres://user:password@host:5432/database`; or give the connection options below. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** TLS, as pg takes it (`true`, or `{ ca, rejectUnauthorized, ... }`). */
  ssl?: pg.ClientConfig['ssl'];
  /**
   * Your own pg `Pool` (recommended), or a connected `Client` / checked-out `PoolClient`, instead;
   * the store never closes or ends it. A single client runs one statement at a time.
   */
  client?: pg.Pool | pg.ClientBase;
  /** PostgreSQL schema of the tables (default `public`); created if missing and the role may. */
  schema?: string;
  /** Table name (default `tokens`); several namespaces share one schema. */
  namespace?: string;
  /** Time to open a connection or wait for a free one (default 5,000 ms); only for a pool the store creates. */
  connectTimeoutMs?: number;
  /** Bound of each database call, pool wait and retries included (default 10,000 ms); then UNAVAILABLE. */
  operationTimeoutMs?: number;
  /** Connections of the pool the store creates (default 10). */
  poolSize?: number;
}

const DEFAULT_SCHEMA = 'public';
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
const DEFAULT_POOL_SIZE = 10;
const CONNECTION_SETTINGS = ['url', 'host', 'port', 'user', 'password', 'database', 'ssl', 'connectTimeoutMs', 'poolSize'] as const;

/**
 * A store in a PostgreSQL table, through pg. With neither `client`, `url` nor connection options,
 * pg's own defaults apply (the `PG*` environment variables), as for `new pg.Pool()`.
 */
export function createPostgresStore(options: PostgresStoreOptions = {}): TokenStore {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  const namespace = checkNamespace(options.namespace, 'postgres');
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== 'string' || !isValidSchema(schema)) {
    throw invalid('schema must be an identifier: a letter or "_", then up to 62 letters, digits or "_", not starting with pg_');
  }
  const connectTimeoutMs = positive(options.connectTimeoutMs, 'connectTimeoutMs') ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const operationTimeoutMs = positive(options.operationTimeoutMs, 'operationTimeoutMs') ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const poolSize = positive(options.poolSize, 'poolSize') ?? DEFAULT_POOL_SIZE;
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port > 0 && options.port < 65_536)) {
    throw invalid('port must be an integer from 1 to 65535');
  }
  if (options.url !== undefined) checkUrl(options.url);
  let connections: Connections;
  if (options.client !== undefined) {
    if (CONNECTION_SETTINGS.some((name) => options[name] !== undefined)) {
      throw invalid('give either a client or connection settings (url, host, ...), not both');
    }
    connections = fromClient(options.client);
  } else {
    connections = { kind: 'pool', pool: createPool(options, connectTimeoutMs, operationTimeoutMs, poolSize) };
  }
  const backend = new PostgresBackend(connections, { schema, namespace, operationTimeoutMs, ownsPool: options.client === undefined });
  // The core options (maxSaveAttempts, ...) travel as given: a new core option needs no code here.
  return createTokenStore(backend, options);
}

function fromClient(client: unknown): Connections {
  const candidate = client as {
    connect?: unknown;
    query?: unknown;
    totalCount?: unknown;
    options?: { binary?: unknown };
    binary?: unknown;
  };
  if (!candidate || typeof candidate.query !== 'function' || typeof candidate.connect !== 'function') {
    throw invalid('client must be a pg Pool, Client or PoolClient');
  }
  // pg's binary result mode decodes every value as UTF-8 first, which corrupts integers.
  if (candidate.binary === true || candidate.options?.binary === true) throw invalid('a client with binary: true is not supported');
  if (typeof candidate.totalCount === 'number') return { kind: 'pool', pool: client as pg.Pool };
  return { kind: 'client', client: client as pg.ClientBase };
}

function createPool(options: PostgresStoreOptions, connectTimeoutMs: number, operationTimeoutMs: number, poolSize: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    ssl: options.ssl,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    // Sent with the startup message (no extra round trip): the server cancels a statement that
    // waits on locks, so the connection stays usable.
    statement_timeout: operationTimeoutMs,
    keepAlive: true,
    application_name: '@tokens/postgres',
  });
  // An idle connection that dies (server restart, network) is reported here, then dropped by the
  // pool; unhandled, the 'error' event would crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Checked without echoing it: the url holds the password. */
function checkUrl(url: unknown): void {
  let protocol: string | undefined;
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : undefined;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw invalid('url must be a postgres:// or postgresql:// URL');
  }
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value <= 0) throw invalid(`${name} must be a positive integer`);
  return value;
}

function invalid(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'postgres', operation: 'create', reason });
}
