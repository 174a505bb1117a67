import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import { type Db, MongoClient } from 'mongodb';
import { MongoBackend } from './backend.js';
import type { TokenDocument } from './document.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface MongoStoreOptions extends TokenStoreOptions {
  /** Connection string; the store creates, owns and closes its client. */
  url?: string;
  /** Your own client (any database on it via `database`); the store never closes it. */
  client?: MongoClient;
  /** Your own database handle; the store never closes its client. */
  db?: Db;
  /** Database name with `url` or `client` (default: the one in the connection string, else `test`). */
  database?: string;
  /** Collection name, and what keeps tenants apart (default `tokens`). */
  namespace?: string;
  /** How long to wait for a server when connecting, for a client the store creates (default 10,000 ms). */
  connectTimeoutMs?: number;
  /** Bound on a whole operation, every round trip, retry and wait for a server included (default 10,000 ms); then UNAVAILABLE. */
  operationTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A store in a MongoDB (5.0+) or FerretDB (1.x) collection named after the namespace. */
export function createMongoStore(options: MongoStoreOptions): TokenStore {
  const namespace = checkNamespace(options.namespace, 'mongo');
  const sources = [options.url, options.client, options.db].filter((source) => source !== undefined);
  if (sources.length !== 1) throw invalidOptions('give exactly one of url, client or db');
  if (options.db && options.database !== undefined) throw invalidOptions('database goes with url or client, not with db');
  const connectTimeoutMs = checkTimeout(options.connectTimeoutMs, 'connectTimeoutMs');
  const operationTimeoutMs = checkTimeout(options.operationTimeoutMs, 'operationTimeoutMs');

  let ownedClient: MongoClient | undefined;
  let db = options.db;
  if (!db) {
    if (options.url !== undefined) {
      if (typeof options.url !== 'string' || options.url === '') throw invalidOptions('url must be a non-empty connection string');
      try {
        ownedClient = new MongoClient(options.url, {
          serverSelectionTimeoutMS: connectTimeoutMs,
          connectTimeoutMS: connectTimeoutMs,
          socketTimeoutMS: operationTimeoutMs,
        });
      } catch (error) {
        // The driver's message may quote the connection string, password included.
        throw invalidOptions(`url is not a usable connection string (${error instanceof Error ? error.name : 'error'})`);
      }
    }
    db = (ownedClient ?? options.client)!.db(options.database);
  }
  return createTokenStore(
    new MongoBackend({
      namespace,
      collection: db.collection<TokenDocument>(namespace),
      operationTimeoutMs,
      ...(ownedClient ? { ownedClient } : {}),
    }),
    // The engine bounds the whole operation (every round trip and retry) by operationTimeoutMs.
    { ...options, operationTimeoutMs },
  );
}

function checkTimeout(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw invalidOptions(`${name} must be a positive integer (ms)`);
  return value;
}

function invalidOptions(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'mongo', operation: 'create', reason });
}
