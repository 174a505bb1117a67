import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import { DynamoDbBackend } from './backend.js';

export interface DynamoDbStoreOptions extends TokenStoreOptions {
  /** Your own client; the store never destroys it. Without it, the store builds one from the options below. */
  client?: DynamoDBClient;
  region?: string;
  /** Default: the SDK's credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** e.g. a moto, LocalStack or DynamoDB Local URL. */
  endpoint?: string;
  /** The table (default `tokens`); every namespace is one partition of it. */
  table?: string;
  /**
   * true (default): on first use, describe the table, create it (on-demand billing) if missing
   * and wait until it is ACTIVE. false: use the table as it is (no DescribeTable/CreateTable
   * permission needed); a missing table makes every operation fail with UNAVAILABLE.
   */
  createTable?: boolean;
  /** Keeps tenants apart: the partition key of all their items (default `tokens`). */
  namespace?: string;
  /** Bound on each operation, all its calls and retries included (default 10,000 ms). */
  operationTimeoutMs?: number;
  /** TCP connect timeout of a client the store creates (default 3,000 ms). */
  connectTimeoutMs?: number;
  /** SDK attempts per call for a client the store creates (default 3). */
  maxAttempts?: number;
  /** Attempts per call while DynamoDB throttles, on top of the SDK's (default 6). */
  maxThrottleAttempts?: number;
}

const TABLE_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/** A store in one DynamoDB table: an item per token and per unique key, written in transactions. */
export function createDynamoDbStore(options: DynamoDbStoreOptions = {}): TokenStore {
  if (options === null || typeof options !== 'object') throw invalidOptions('options must be an object');
  const namespace = checkNamespace(options.namespace, 'dynamodb');
  const table = options.table ?? 'tokens';
  if (typeof table !== 'string' || !TABLE_PATTERN.test(table)) {
    throw invalidOptions('table must be a DynamoDB table name: 3 to 255 letters, digits, "_", "-" or "."');
  }
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean') throw invalidOptions('createTable must be true or false');
  const operationTimeoutMs = positive(options.operationTimeoutMs, 10_000, 'operationTimeoutMs');
  const connectTimeoutMs = positive(options.connectTimeoutMs, 3_000, 'connectTimeoutMs');
  const maxAttempts = positive(options.maxAttempts, 3, 'maxAttempts');
  const maxThrottleAttempts = positive(options.maxThrottleAttempts, 6, 'maxThrottleAttempts');
  if (options.client !== undefined && typeof (options.client as { send?: unknown } | null)?.send !== 'function') {
    throw invalidOptions('client must be a DynamoDBClient');
  }
  const client =
    options.client ??
    new DynamoDBClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts,
      requestHandler: { connectionTimeout: connectTimeoutMs, requestTimeout: operationTimeoutMs },
    });
  const backend = new DynamoDbBackend({
    client,
    ownsClient: !options.client,
    table,
    createTable,
    namespace,
    operationTimeoutMs,
    maxThrottleAttempts,
  });
  // Core's own options (maxSaveAttempts, and whatever core adds) pass through untouched.
  return createTokenStore(backend, options);
}

function positive(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalidOptions(`${name} must be a positive integer`);
  return value;
}

function invalidOptions(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'dynamodb', operation: 'create', reason });
}
