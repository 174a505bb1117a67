import { inspect } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  checkNamespace,
  createTokenStore,
  ENCRYPTION_HANDLE,
  INSERT_MANY,
  INSERT_NEW,
  type InsertMany,
  type InsertNew,
  type OAuthToken,
  STRING_FIELDS,
  type StoredToken,
  type TokenStore,
  TokenStoreError,
  type TokenStoreOptions,
} from '@tokens/core';
import { AwsSecretsBackend } from './backend.js';
import { MAX_SECRET_BYTES } from './record.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface AwsSecretsStoreOptions extends TokenStoreOptions {
  /** Your own client; the store never destroys it. Without it, the store builds one from the options below. */
  client?: SecretsManagerClient;
  region?: string;
  /** Default: the SDK's credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** e.g. a moto or LocalStack URL. */
  endpoint?: string;
  /** Secret names start with `<prefix><namespace>/` (default prefix `tokens/`). */
  prefix?: string;
  /** Keeps tenants apart: their own name prefix and `tokens:namespace` tag (default `tokens`). */
  namespace?: string;
  /** Bound on a whole operation, all its calls and retries included (default 10,000 ms); then UNAVAILABLE. */
  operationTimeoutMs?: number;
  /** TCP connect timeout of a client the store creates (default 3,000 ms). */
  connectTimeoutMs?: number;
  /** SDK attempts per call for a client the store creates (default 3). */
  maxAttempts?: number;
  /** Attempts per call while Secrets Manager throttles, on top of the SDK's (default 6). */
  maxThrottleAttempts?: number;
  /**
   * true (default): deleted token secrets are gone at once, and their id can be saved again.
   * false: they wait `recoveryWindowInDays` (7–30, default 7) and can be restored by an
   * operator, but saving the same id fails with CONFLICT until the window ends.
   */
  forceDeleteWithoutRecovery?: boolean;
  recoveryWindowInDays?: number;
  /** KMS key for new secrets (default: the account's `aws/secretsmanager` key). */
  kmsKeyId?: string;
  /** After this long, a key claim by a save that never finished is taken over (default 60,000 ms). */
  staleClaimMs?: number;
}

/** A store in AWS Secrets Manager: one secret per token and one small secret per unique key. */
export function createAwsSecretsStore(options: AwsSecretsStoreOptions = {}): TokenStore {
  const namespace = checkNamespace(options.namespace, 'aws-secrets');
  const prefix = options.prefix ?? 'tokens/';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9/_+=.@-]{0,200}$/.test(prefix)) {
    throw invalidOptions('prefix may hold only letters, digits and / _ + = . @ - (at most 200)');
  }
  const operationTimeoutMs = positive(options.operationTimeoutMs, 10_000, 'operationTimeoutMs');
  const connectTimeoutMs = positive(options.connectTimeoutMs, 3_000, 'connectTimeoutMs');
  const maxAttempts = positive(options.maxAttempts, 3, 'maxAttempts');
  const maxThrottleAttempts = positive(options.maxThrottleAttempts, 6, 'maxThrottleAttempts');
  const staleClaimMs = positive(options.staleClaimMs, 60_000, 'staleClaimMs', true);
  let recoveryWindowInDays: number | undefined;
  if (options.forceDeleteWithoutRecovery === false) {
    recoveryWindowInDays = options.recoveryWindowInDays ?? 7;
    if (!Number.isInteger(recoveryWindowInDays) || recoveryWindowInDays < 7 || recoveryWindowInDays > 30) {
      throw invalidOptions('recoveryWindowInDays must be an integer from 7 to 30');
    }
  }
  const client =
    options.client ??
    new SecretsManagerClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts,
      requestHandler: { connectionTimeout: connectTimeoutMs, requestTimeout: operationTimeoutMs },
    });
  const store = createTokenStore(
    new AwsSecretsBackend({
      client,
      ownsClient: !options.client,
      namespace,
      prefix,
      operationTimeoutMs,
      maxThrottleAttempts,
      recoveryWindowInDays,
      kmsKeyId: options.kmsKeyId,
      staleClaimMs,
    }),
    // The engine bounds the whole operation (every call and retry) by operationTimeoutMs.
    { ...options, operationTimeoutMs },
  );
  return new SizeCheckedStore(store);
}

/**
 * Refuses a token that cannot fit in a secret before the store makes any call (its lookup
 * included). The backend checks the merged record again before writing it.
 */
class SizeCheckedStore implements TokenStore, InsertNew, InsertMany {
  readonly #store: TokenStore;

  constructor(store: TokenStore) {
    this.#store = store;
  }

  get namespace(): string {
    return this.#store.namespace;
  }

  /** Lets `reencryptTokens` reach the encrypted store inside. */
  get [ENCRYPTION_HANDLE](): unknown {
    return (this.#store as unknown as Record<symbol, unknown>)[ENCRYPTION_HANDLE];
  }

  findToken(partial: OAuthToken): Promise<StoredToken | null> {
    return this.#store.findToken(partial);
  }

  findTokenById(id: string): Promise<StoredToken | null> {
    return this.#store.findTokenById(id);
  }

  async saveToken(token: OAuthToken): Promise<StoredToken> {
    checkSize(token);
    return this.#store.saveToken(token);
  }

  /** The refresher's true insert for its lease (see @tokens/core): without it, leases collide. */
  async [INSERT_NEW](token: OAuthToken): Promise<StoredToken | null> {
    checkSize(token);
    return (this.#store as TokenStore & InsertNew)[INSERT_NEW](token);
  }

  /** `insertTokens` (imports, the CLI's copy): every token size-checked before any is written. */
  async [INSERT_MANY](tokens: readonly OAuthToken[]): Promise<(StoredToken | null)[]> {
    if (Array.isArray(tokens)) for (const token of tokens) checkSize(token);
    return (this.#store as TokenStore & InsertMany)[INSERT_MANY](tokens);
  }

  deleteToken(id: string): Promise<void> {
    return this.#store.deleteToken(id);
  }

  getTokens(): Promise<StoredToken[]> {
    return this.#store.getTokens();
  }

  deleteTokens(): Promise<void> {
    return this.#store.deleteTokens();
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#store.close();
  }

  [inspect.custom](): string {
    return inspect(this.#store);
  }
}

function checkSize(token: OAuthToken): void {
  const bytes = givenBytes(token);
  if (bytes > MAX_SECRET_BYTES) {
    throw new TokenStoreError({
      code: 'INVALID_TOKEN',
      backend: 'aws-secrets',
      operation: 'saveToken',
      reason: `the token takes at least ${bytes} bytes as a secret value; AWS Secrets Manager holds at most ${MAX_SECRET_BYTES} bytes per secret`,
    });
  }
}

/**
 * A lower bound on the JSON size of a token's string fields; anything odd is left to the store's
 * validation. Reads own data properties only, like the store: no getter runs, a Proxy trap that
 * throws counts as nothing here (the store then refuses the token with INVALID_TOKEN).
 */
function givenBytes(token: OAuthToken): number {
  if (!token || typeof token !== 'object') return 0;
  let bytes = 0;
  try {
    for (const field of STRING_FIELDS) {
      const value = Object.getOwnPropertyDescriptor(token, field)?.value;
      if (typeof value === 'string') bytes += Buffer.byteLength(JSON.stringify(value), 'utf8') + field.length + 3;
    }
  } catch {
    return 0;
  }
  return bytes;
}

function positive(value: unknown, fallback: number, name: string, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1)) {
    throw invalidOptions(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer`);
  }
  return value;
}

function invalidOptions(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'aws-secrets', operation: 'create', reason });
}
