import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { isTokenBackend, type TokenBackend } from './backend.js';
import { checkOperationTimeout, OperationScope } from './deadline.js';
import { attachHandle, prepareBackend } from './encryption/handle.js';
import type { EncryptionOptions } from './encryption/options.js';
import { BackendFailure, TokenStoreError, type TokenStoreErrorCode } from './errors.js';
import { collidingWithEarlier, insertAll, MAX_BATCH } from './insert-many.js';
import { INSERT_MANY } from './insert-tokens.js';
import { type LookupKey, lookupKeyOf } from './lookup.js';
import { presentToken } from './present.js';
import { INSERT_NEW, isLeaseRecord } from './refresh/lease-record.js';
import { sanitizeCause } from './sanitize.js';
import { fieldsOf, type SavePlan, SEALED_PREFIX } from './save-plan.js';
import { DATA_FIELDS, type DataField, type OAuthToken, SECRET_FIELDS, type StoredToken } from './token.js';
import { type CheckedToken, checkId, checkToken, hasAnyToken } from './validate.js';

/** The contract every store fulfils; see the README for the semantics of each operation. */
export interface TokenStore extends AsyncDisposable {
  readonly namespace: string;
  findToken(partial: OAuthToken): Promise<StoredToken | null>;
  findTokenById(id: string): Promise<StoredToken | null>;
  saveToken(token: OAuthToken): Promise<StoredToken>;
  deleteToken(id: string): Promise<void>;
  getTokens(): Promise<StoredToken[]>;
  deleteTokens(): Promise<void>;
  close(): Promise<void>;
}

export interface TokenStoreOptions {
  /** Attempts of one save when concurrent writers keep changing the record (default 50). */
  maxSaveAttempts?: number;
  /**
   * Bound on one whole operation, every backend call, retry and backoff included: past it the
   * operation fails with `UNAVAILABLE`. A write cut off by it may still land (its outcome is
   * unknown); saving again is safe, saves being upserts by lookup key. Server backends pass their
   * own `operationTimeoutMs` here. Default: none beyond the backend's own timeouts.
   */
  operationTimeoutMs?: number;
  /** Encryption at rest of the secret fields, with key rotation; see "Encryption at rest" in the README. */
  encryption?: EncryptionOptions;
}

type Operation = 'findToken' | 'findTokenById' | 'saveToken' | 'insertTokens' | 'deleteToken' | 'getTokens' | 'deleteTokens' | 'close';

/** Builds the full {@link TokenStore} contract on a backend primitive. */
export function createTokenStore(backend: TokenBackend, options: TokenStoreOptions = {}): TokenStore {
  if (!isTokenBackend(backend)) throw new TypeError('createTokenStore expects a TokenBackend');
  // Encrypted: a wrapper of the primitive. Plain: a guard that refuses to read encrypted records.
  const effective = prepareBackend(backend, options.encryption);
  const store = new BackendTokenStore(effective, options.maxSaveAttempts ?? 50, checkOperationTimeout(options.operationTimeoutMs));
  return attachHandle(store, effective);
}

class BackendTokenStore implements TokenStore {
  readonly #backend: TokenBackend;
  readonly #maxSaveAttempts: number;
  readonly #timeoutMs: number | undefined;
  #closing: Promise<void> | undefined;

  constructor(backend: TokenBackend, maxSaveAttempts: number, timeoutMs?: number) {
    this.#backend = backend;
    this.#maxSaveAttempts = maxSaveAttempts;
    this.#timeoutMs = timeoutMs;
  }

  /** A getter, so the namespace cannot be reassigned under a live store. */
  get namespace(): string {
    return this.#backend.namespace;
  }

  async findToken(partial: OAuthToken): Promise<StoredToken | null> {
    this.#assertOpen('findToken');
    const checked = this.#check(partial, 'findToken');
    const key = lookupKeyOf(checked);
    if (!key) {
      throw this.#error(
        'INVALID_TOKEN',
        'findToken',
        'no lookup key: give userSignature, or accessToken without client credentials, or grantToken/refreshToken with both clientId and clientSecret',
      );
    }
    const scope = this.#scope(checked);
    const record = await this.#call('findToken', () => this.#backend.findByKey(key), scope);
    return record && presentToken(record);
  }

  async findTokenById(id: string): Promise<StoredToken | null> {
    this.#assertOpen('findTokenById');
    this.#checkId(id, 'findTokenById');
    const record = await this.#call('findTokenById', () => this.#backend.getById(id), this.#scope());
    return record && presentToken(record);
  }

  async saveToken(input: OAuthToken): Promise<StoredToken> {
    this.#assertOpen('saveToken');
    const token = this.#check(input, 'saveToken');
    const key = lookupKeyOf(token);
    if (this.#backend.save && hasAnyToken(token)) return this.#saveInOneStep(token, key);
    let current: StoredToken | null = null;
    const scope = this.#scope(token, () => current);
    let insertCollided = false;
    for (let attempt = 1; ; attempt++) {
      current = await this.#call('saveToken', () => this.#findCurrent(token, key, scope), scope);
      if (!current) {
        if (token.version !== undefined) {
          throw this.#error('CONFLICT', 'saveToken', `version ${token.version} was given but no stored token matches (deleted meanwhile?)`);
        }
        const record = newRecord(token);
        this.#requireSomeToken(record);
        const result = await this.#call('saveToken', () => this.#backend.insert(record), scope, true);
        if (result === 'inserted') return presentToken(record);
        // A racing save of the same token explains a first collision: look again and update it.
        // A second one means another stored token holds one of this token's keys.
        if (insertCollided) throw this.#duplicate();
        insertCollided = true;
        continue;
      }
      if (token.version !== undefined && token.version !== current.version) {
        throw this.#error(
          'CONFLICT',
          'saveToken',
          `version ${token.version} was given but the stored token is at version ${current.version}`,
        );
      }
      const merged = mergeInto(current, token);
      this.#requireSomeToken(merged);
      // Nothing to change: no write (writes cost money on some backends) and no new version.
      if (sameData(merged, current)) return presentToken(current);
      const read = current;
      const result = await this.#call('saveToken', () => this.#backend.update(merged, read.version, read), scope, true);
      if (result === 'updated') return presentToken(merged);
      if (result === 'duplicate') throw this.#duplicate();
      if (token.version !== undefined) {
        throw this.#error('CONFLICT', 'saveToken', `the stored token changed after version ${token.version} was read`);
      }
      if (attempt >= this.#maxSaveAttempts) {
        throw this.#error('CONFLICT', 'saveToken', `gave up after ${attempt} attempts: concurrent writers kept changing the token`);
      }
      await backoff(attempt);
    }
  }

  /** The save as a plan the backend applies atomically: one round trip, no read before the write. */
  async #saveInOneStep(token: CheckedToken, key: LookupKey | null): Promise<StoredToken> {
    const plan = planOf(token, key);
    const scope = this.#scope(token);
    const save = (this.#backend.save as NonNullable<TokenBackend['save']>).bind(this.#backend);
    let insertCollided = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#call('saveToken', () => save(plan), scope, true);
      switch (outcome.status) {
        case 'inserted':
        case 'updated':
        case 'unchanged':
          return presentToken(outcome.record);
        case 'missing':
          throw this.#error('CONFLICT', 'saveToken', `version ${token.version} was given but no stored token matches (deleted meanwhile?)`);
        case 'stale':
          throw this.#error(
            'CONFLICT',
            'saveToken',
            `version ${token.version} was given but the stored token is at version ${outcome.version}`,
          );
        case 'duplicate':
          // As in the two-step save: a racing first save of the same token explains one collision.
          if (!outcome.inserting || insertCollided) throw this.#duplicate();
          insertCollided = true;
          continue;
        case 'sealed':
          throw this.#error('KEY_UNAVAILABLE', 'saveToken', 'the stored token is encrypted but this store has no encryption configured');
        case 'changed':
        case 'retry':
          if (outcome.status === 'changed' && token.version !== undefined) {
            throw this.#error('CONFLICT', 'saveToken', `the stored token changed after version ${token.version} was read`);
          }
          if (attempt >= this.#maxSaveAttempts) {
            throw this.#error('CONFLICT', 'saveToken', `gave up after ${attempt} attempts: concurrent writers kept changing the token`);
          }
          await backoff(attempt);
      }
    }
  }

  async deleteToken(id: string): Promise<void> {
    this.#assertOpen('deleteToken');
    this.#checkId(id, 'deleteToken');
    await this.#call('deleteToken', () => this.#backend.delete(id), this.#scope(), true);
  }

  async getTokens(): Promise<StoredToken[]> {
    this.#assertOpen('getTokens');
    const records = await this.#call('getTokens', () => this.#backend.list(), this.#scope());
    // Refresh lease records are bookkeeping of `createTokenRefresher`, not tokens.
    return records.filter((record) => !isLeaseRecord(record)).map(presentToken);
  }

  async deleteTokens(): Promise<void> {
    this.#assertOpen('deleteTokens');
    await this.#call('deleteTokens', () => this.#backend.clear(), this.#scope(), true);
  }

  /**
   * Insert only, never an upsert: the refresher acquires its lease with this (see refresh/lease.ts).
   * `null` when the id or a unique key is taken (someone else holds the lease); nothing written.
   */
  async [INSERT_NEW](input: OAuthToken): Promise<StoredToken | null> {
    this.#assertOpen('saveToken');
    const token = this.#check(input, 'saveToken');
    const record = newRecord(token);
    this.#requireSomeToken(record);
    const result = await this.#call('saveToken', () => this.#backend.insert(record), this.#scope(token), true);
    return result === 'inserted' ? presentToken(record) : null;
  }

  /**
   * Inserts many new tokens at once, each only if its id and unique keys are free (never an
   * update): `null` for one that is not (nothing of it written). All are checked first: one bad
   * token refuses the batch before anything is written. See `insertTokens`.
   */
  async [INSERT_MANY](inputs: readonly OAuthToken[]): Promise<(StoredToken | null)[]> {
    this.#assertOpen('insertTokens');
    if (!Array.isArray(inputs)) throw this.#error('INVALID_TOKEN', 'insertTokens', 'insertTokens expects an array of tokens');
    if (inputs.length > MAX_BATCH)
      throw this.#error('INVALID_TOKEN', 'insertTokens', `insertTokens takes at most ${MAX_BATCH} tokens at once`);
    const records = inputs.map((input, i) => {
      const checked = checkToken(input);
      if (typeof checked === 'string') throw this.#error('INVALID_TOKEN', 'insertTokens', `token ${i}: ${checked}`);
      const record = newRecord(checked);
      if (!hasAnyToken(record)) {
        throw this.#error(
          'INVALID_TOKEN',
          'insertTokens',
          `token ${i}: a token needs at least one of accessToken, refreshToken or grantToken`,
        );
      }
      return record;
    });
    const colliding = collidingWithEarlier(records);
    const sent = records.filter((_, i) => !colliding[i]);
    const scope = new OperationScope(this.#timeoutMs, () => secretsOf(records));
    const results = sent.length === 0 ? [] : await this.#call('insertTokens', () => insertAll(this.#backend, sent), scope, true);
    if (results.length !== sent.length)
      throw this.#error('CORRUPT', 'insertTokens', 'the backend answered a batch insert with a wrong count');
    let at = 0;
    return records.map((record, i) => (colliding[i] ? null : results[at++] === 'inserted' ? presentToken(record) : null));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#call('close', () => this.#backend.close());
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
    return `TokenStore { backend: '${this.#backend.backend}', namespace: '${this.namespace}'${this.#closing ? ', closed' : ''} }`;
  }

  async #findCurrent(token: CheckedToken, key: LookupKey | null, scope: OperationScope): Promise<StoredToken | null> {
    const byId = token.id === undefined ? null : await this.#backend.getById(token.id);
    if (byId) return byId;
    // Past the deadline the caller has its UNAVAILABLE already: no further round trip.
    if (scope.expired) throw this.#timedOut('saveToken', scope);
    return key ? this.#backend.findByKey(key) : null;
  }

  #check(input: OAuthToken, operation: Operation): CheckedToken {
    const checked = checkToken(input);
    if (typeof checked === 'string') throw this.#error('INVALID_TOKEN', operation, checked);
    return checked;
  }

  #checkId(id: unknown, operation: Operation): void {
    const problem = checkId(id);
    if (problem) throw this.#error('INVALID_TOKEN', operation, problem);
  }

  #requireSomeToken(record: StoredToken): void {
    if (!hasAnyToken(record)) {
      throw this.#error('INVALID_TOKEN', 'saveToken', 'a token needs at least one of accessToken, refreshToken or grantToken');
    }
  }

  #duplicate(): TokenStoreError {
    return this.#error(
      'CONFLICT',
      'saveToken',
      'another stored token already has this id, userSignature, accessToken, refreshToken or grantToken',
    );
  }

  #assertOpen(operation: Operation): void {
    if (this.#closing) throw this.#error('CLOSED', operation, 'the store is closed');
  }

  /** The bound and the secrets of one operation; `records` are read lazily, only on a failure. */
  #scope(token?: CheckedToken | OAuthToken, record?: () => StoredToken | null): OperationScope {
    return new OperationScope(this.#timeoutMs, () => secretsOf([token, record?.()]));
  }

  /**
   * Runs a backend call; a synchronous backend (memory, SQLite) pays for no extra promise. Past
   * the operation's deadline no further call starts, and a call in flight is no longer waited for.
   */
  #call<T>(operation: Operation, run: () => T | Promise<T>, scope?: OperationScope, write = false): T | Promise<T> {
    if (scope?.expired) throw this.#timedOut(operation, scope);
    let result: T | Promise<T>;
    try {
      if (write && scope) scope.wrote = true;
      result = run();
    } catch (error) {
      throw this.#wrap(error, operation, scope);
    }
    if (!(result instanceof Promise)) return result;
    const bounded = scope ? scope.race(result, () => this.#timedOut(operation, scope)) : result;
    return bounded.catch((error: unknown) => {
      // Past the deadline, a backend's own timeout is the same event: the caller gets one message,
      // the one that says whether a write may have landed.
      if (scope?.expired && !(error instanceof TokenStoreError)) throw this.#timedOut(operation, scope);
      throw this.#wrap(error, operation, scope);
    });
  }

  #timedOut(operation: Operation, scope: OperationScope): TokenStoreError {
    const unknown = scope.wrote ? ': whether the write landed is unknown (saves are upserts: retrying is safe)' : '';
    return this.#error('UNAVAILABLE', operation, `did not finish within ${scope.timeoutMs} ms (operationTimeoutMs)${unknown}`);
  }

  #wrap(error: unknown, operation: Operation, scope?: OperationScope): TokenStoreError {
    if (error instanceof TokenStoreError) return error;
    // The operation's own values are scrubbed from any driver message kept in the cause.
    const secrets = scope?.secrets() ?? [];
    if (error instanceof BackendFailure) {
      return this.#error(error.code, operation, error.message, sanitizeCause(error.cause ?? error, secrets));
    }
    const described = this.#backend.describeError?.(error);
    if (described) return this.#error(described.code, operation, described.reason, sanitizeCause(error, secrets));
    return this.#error('UNAVAILABLE', operation, `the backend failed (${errorLabel(error)})`, sanitizeCause(error, secrets));
  }

  #error(code: TokenStoreErrorCode, operation: Operation, reason: string, cause?: unknown): TokenStoreError {
    return new TokenStoreError({ code, backend: this.#backend.backend, operation, reason, cause });
  }
}

function newRecord(token: CheckedToken): StoredToken {
  return {
    id: token.id ?? randomUUID(),
    version: 1,
    userSignature: token.userSignature ?? null,
    clientId: token.clientId ?? null,
    clientSecret: token.clientSecret ?? null,
    redirectUrl: token.redirectUrl ?? null,
    grantToken: token.grantToken ?? null,
    refreshToken: token.refreshToken ?? null,
    accessToken: token.accessToken ?? null,
    expiryTime: token.expiryTime ?? null,
    apiDomain: token.apiDomain ?? null,
  };
}

function planOf(token: CheckedToken, key: LookupKey | null): SavePlan {
  // No prototype: a polluted Object.prototype cannot add a field to the plan.
  const set: Partial<Record<DataField, string | number | null>> = Object.create(null);
  for (const field of DATA_FIELDS) {
    const value = token[field];
    if (value !== undefined) set[field] = value;
  }
  return {
    id: token.id,
    key,
    set,
    fields: fieldsOf(set),
    expectedVersion: token.version,
    insert: token.version === undefined ? newRecord(token) : null,
    sealedPrefix: SEALED_PREFIX,
  };
}

/** `undefined` keeps the stored value (a refresh response without a refresh token erases nothing). */
function mergeInto(current: StoredToken, token: CheckedToken): StoredToken {
  return {
    id: current.id,
    version: current.version + 1,
    userSignature: token.userSignature === undefined ? current.userSignature : token.userSignature,
    clientId: token.clientId === undefined ? current.clientId : token.clientId,
    clientSecret: token.clientSecret === undefined ? current.clientSecret : token.clientSecret,
    redirectUrl: token.redirectUrl === undefined ? current.redirectUrl : token.redirectUrl,
    grantToken: token.grantToken === undefined ? current.grantToken : token.grantToken,
    refreshToken: token.refreshToken === undefined ? current.refreshToken : token.refreshToken,
    accessToken: token.accessToken === undefined ? current.accessToken : token.accessToken,
    expiryTime: token.expiryTime === undefined ? current.expiryTime : token.expiryTime,
    apiDomain: token.apiDomain === undefined ? current.apiDomain : token.apiDomain,
  };
}

function sameData(a: StoredToken, b: StoredToken): boolean {
  return DATA_FIELDS.every((field) => a[field] === b[field]);
}

/** Spreads writers that keep colliding on one record: nothing the first few times, then jitter. */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 3) return undefined;
  const ms = Math.random() * Math.min(50, 2 ** (attempt - 3));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The credentials among the fields of the given tokens (the operation's input and the record it read). */
function secretsOf(tokens: readonly (CheckedToken | OAuthToken | StoredToken | null | undefined)[]): string[] {
  const secrets: string[] = [];
  for (const token of tokens) {
    if (!token || typeof token !== 'object') continue;
    for (const field of SECRET_FIELDS) {
      const value = (token as Record<string, unknown>)[field];
      if (typeof value === 'string' && value !== '') secrets.push(value);
    }
  }
  return secrets;
}

function errorLabel(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  const label = typeof name === 'string' ? name : 'unknown error';
  return typeof code === 'string' || typeof code === 'number' ? `${label} ${code}` : label;
}
