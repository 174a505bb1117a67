import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import mysql, { type Pool } from 'mysql2/promise';
import { MysqlBackend } from './mysql-backend.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface MysqlStoreOptions extends TokenStoreOptions {
  /** `mysql://user:password@host:3306/database`; or give the connection options below. */
  uri?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** Your own mysql2/promise pool instead; the store never closes it. */
  client?: Pool;
  /** Table name (default `tokens`); several namespaces share one database. */
  namespace?: string;
  /** Time to open a connection (default 5,000 ms); only for a pool the store creates. */
  connectTimeoutMs?: number;
  /** Bound on a whole operation, every statement, pool wait and retry included (default 10,000 ms); then UNAVAILABLE. */
  operationTimeoutMs?: number;
  /** Connections of the pool the store creates (default 10). */
  poolSize?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
const DEFAULT_POOL_SIZE = 10;

/** A store in a MySQL 8+ or MariaDB 10.6+ table, through mysql2. */
export function createMysqlStore(options: MysqlStoreOptions = {}): TokenStore {
  const namespace = checkNamespace(options.namespace, 'mysql');
  const connectTimeoutMs = positive(options.connectTimeoutMs, 'connectTimeoutMs') ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const operationTimeoutMs = positive(options.operationTimeoutMs, 'operationTimeoutMs') ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const poolSize = positive(options.poolSize, 'poolSize') ?? DEFAULT_POOL_SIZE;
  if (!options.client && !options.uri && !options.database) {
    throw invalid('give a client (your mysql2/promise pool), a uri, or connection options with a database');
  }
  const pool = options.client ?? createPool(options, connectTimeoutMs, poolSize);
  // The engine bounds the whole operation (every statement and retry) by operationTimeoutMs.
  return createTokenStore(new MysqlBackend(pool, { namespace, operationTimeoutMs, ownsPool: !options.client }), {
    ...options,
    operationTimeoutMs,
  });
}

function createPool(options: MysqlStoreOptions, connectTimeoutMs: number, poolSize: number): Pool {
  const common = {
    connectTimeout: connectTimeoutMs,
    connectionLimit: poolSize,
    maxIdle: poolSize,
    enableKeepAlive: true,
    charset: 'utf8mb4_bin',
    // BIGINT expiry times come back as exact numbers (ms timestamps are far below 2^53).
    supportBigNumbers: true,
    bigNumberStrings: false,
  };
  if (options.uri) return mysql.createPool({ ...common, uri: options.uri });
  return mysql.createPool({
    ...common,
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
  });
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value <= 0) throw invalid(`${name} must be a positive integer`);
  return value;
}

function invalid(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'mysql', operation: 'create', reason });
}
