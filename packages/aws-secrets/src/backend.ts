import type { SecretsManagerClient, Tag } from '@aws-sdk/client-secrets-manager';
import {
  BackendFailure,
  type InsertResult,
  type LookupKey,
  type LookupKind,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
  uniqueKeysOf,
} from '@tokens/core';
import { Calls, type SecretValue } from './calls.js';
import { describeAwsError } from './errors.js';
import { KeyIndex } from './key-index.js';
import { moveLegacySecrets } from './migrate.js';
import { NAMESPACE_TAG, SecretNames, versionToken } from './names.js';
import { type ClaimNonces, decodeRecord, encodeRecord, type TokenSecret } from './record.js';

export interface AwsSecretsBackendOptions {
  client: SecretsManagerClient;
  /** Destroyed by close(): only a client the store created itself. */
  ownsClient: boolean;
  namespace: string;
  prefix: string;
  operationTimeoutMs: number;
  maxThrottleAttempts: number;
  /** undefined: token secrets are deleted for good; a number: kept that many days for recovery. */
  recoveryWindowInDays: number | undefined;
  kmsKeyId: string | undefined;
  staleClaimMs: number;
}

const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];
const CACHE_SIZE = 1_000;
const POLL_MS = 50;

/**
 * One secret per token (`<prefix><namespace>/t/<digest of id>`, the record as JSON) and one per
 * unique key (see key-index.ts). Lookups by id or key never list: one or two GetSecretValue
 * calls. Updates are a compare-and-set through the version id of PutSecretValue (see names.ts).
 */
export class AwsSecretsBackend implements TokenBackend {
  readonly backend = 'aws-secrets';
  readonly namespace: string;
  readonly #options: AwsSecretsBackendOptions;
  readonly #names: SecretNames;
  readonly #tags: Tag[];
  readonly #index: KeyIndex;
  /**
   * The claim nonces of recently read versions, by id: the store always reads a token just before
   * updating it, so an update usually knows the keys it replaces without another call.
   */
  readonly #recent = new Map<string, TokenSecret>();
  /** Done once the secrets of the 0.1.x layout (if any) are moved; see migrate.ts. */
  #moved: Promise<unknown> | undefined;

  constructor(options: AwsSecretsBackendOptions) {
    this.namespace = options.namespace;
    this.#options = options;
    this.#names = new SecretNames(options.prefix, options.namespace);
    this.#tags = [{ Key: NAMESPACE_TAG, Value: options.namespace }];
    this.#index = new KeyIndex({
      names: this.#names,
      tags: this.#tags,
      kmsKeyId: options.kmsKeyId,
      staleClaimMs: options.staleClaimMs,
      inFlightWaitMs: Math.min(5_000, options.operationTimeoutMs / 2),
    });
  }

  getById(id: string): Promise<StoredToken | null> {
    return this.#run(async (calls) => (await this.#read(calls, id))?.record ?? null);
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#run(async (calls) => {
      const started = Date.now();
      for (;;) {
        const entry = await this.#index.lookup(calls, key.kind, key.value);
        if (!entry) return null;
        const secret = await this.#read(calls, entry.id);
        if (secret && uniqueKeysOf(secret.record)[key.kind] === key.value) return secret.record;
        // The key is claimed by an insert still writing its token (or one that died): wait a
        // little for a racing first save; a save that died is fenced off by the next insert.
        if (Date.now() - started >= entry.waitMs(secret?.record.version ?? 0)) return null;
        await calls.sleep(POLL_MS);
      }
    });
  }

  insert(record: StoredToken): Promise<InsertResult> {
    checkSize(record);
    return this.#run(async (calls) => {
      const claims = await this.#claimKeys(calls, record, null);
      if (!claims.ok) return 'duplicate';
      const value = encodeRecord(record, claims.nonces);
      const created = await this.#createToken(calls, record.id, value).catch(async (error: unknown) => {
        await this.#releaseAll(calls, record, claims.created).catch(() => undefined);
        throw error;
      });
      if (!created) {
        await this.#releaseAll(calls, record, claims.created);
        return 'duplicate';
      }
      this.#remember({ record, claims: claims.nonces });
      return 'inserted';
    });
  }

  update(record: StoredToken, expectedVersion: number): Promise<UpdateResult> {
    checkSize(record);
    return this.#run(async (calls) => {
      let previous = this.#recent.get(record.id);
      if (previous?.record.version !== expectedVersion) previous = (await this.#read(calls, record.id)) ?? undefined;
      if (previous?.record.version !== expectedVersion) return 'stale';
      const claims = await this.#claimKeys(calls, record, previous);
      if (!claims.ok) return claims.why === 'same-token-busy' ? 'stale' : 'duplicate';
      // From here, a process killed at any point leaves claims that the next save decides on at once (key-index.ts).
      let outcome: 'written' | 'taken' | 'gone';
      try {
        outcome = await calls.put(
          this.#names.token(record.id),
          encodeRecord(record, claims.nonces),
          versionToken(record.id, expectedVersion),
        );
      } catch (error) {
        await this.#releaseAll(calls, record, claims.created).catch(() => undefined);
        throw error;
      }
      if (outcome !== 'written') {
        await this.#releaseAll(calls, record, claims.created);
        return 'stale';
      }
      this.#remember({ record, claims: claims.nonces });
      const kept = uniqueKeysOf(record);
      const dropped = uniqueKeysOf(previous.record);
      for (const kind of KINDS) {
        const value = dropped[kind];
        if (value !== null && value !== kept[kind]) await this.#index.release(calls, kind, value, record.id, previous.claims[kind]);
      }
      return 'updated';
    });
  }

  delete(id: string): Promise<void> {
    return this.#run(async (calls) => {
      const secret = await this.#read(calls, id);
      if (!secret) return;
      await calls.delete(this.#names.token(id), this.#options.recoveryWindowInDays);
      this.#recent.delete(id);
      const keys = uniqueKeysOf(secret.record);
      for (const kind of KINDS) {
        const value = keys[kind];
        if (value !== null) await this.#index.release(calls, kind, value, id, secret.claims[kind]);
      }
    });
  }

  list(): Promise<StoredToken[]> {
    return this.#run(async (calls) => {
      const secrets = (await calls.batchGet(this.#filters(this.#names.tokens))).filter((secret) => this.#names.isToken(secret.name));
      const tokens: StoredToken[] = [];
      for (const secret of secrets) {
        const decoded = decodeRecord(secret.value);
        if (!decoded.fence) tokens.push(decoded.record);
        // Fences outlive the insert they stop by staleClaimMs; then they are only clutter.
        else if (this.#isOld(secret)) await calls.delete(secret.arn ?? secret.name, undefined).catch(() => undefined);
      }
      return tokens;
    });
  }

  clear(): Promise<void> {
    return this.#run(async (calls) => {
      const names = (await calls.listNames(this.#filters(this.#names.root))).filter((name) => this.#names.isOwn(name));
      this.#recent.clear();
      // Tokens first: a key whose index is gone but whose token remains could be claimed twice.
      const tokens = names.filter((name) => this.#names.isToken(name));
      await inBatches(tokens, (name) => calls.delete(name, this.#options.recoveryWindowInDays));
      await inBatches(
        names.filter((name) => !this.#names.isToken(name)),
        (name) => calls.delete(name, undefined),
      );
    });
  }

  close(): void {
    this.#recent.clear();
    if (this.#options.ownsClient) this.#options.client.destroy();
  }

  describeError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } | undefined {
    return describeAwsError(error);
  }

  /** The name prefix (matched case-insensitively by AWS, so checked again here) and our tag. */
  #filters(prefix: string) {
    return [
      { Key: 'name' as const, Values: [prefix] },
      { Key: 'tag-key' as const, Values: [NAMESPACE_TAG] },
      { Key: 'tag-value' as const, Values: [this.namespace] },
    ];
  }

  async #read(calls: Calls, id: string): Promise<TokenSecret | null> {
    const secret = await calls.get(this.#names.token(id));
    if (!secret) return null;
    const decoded = decodeRecord(secret.value);
    if (decoded.record.id !== id) throw new BackendFailure('CORRUPT', 'a token secret holds another id than its name says');
    if (decoded.fence) return null;
    this.#remember(decoded);
    return decoded;
  }

  /** Creates a token secret; a fence older than staleClaimMs in the way (key-index.ts) is removed first. */
  async #createToken(calls: Calls, id: string, value: string): Promise<boolean> {
    const name = this.#names.token(id);
    const create = () => calls.create(name, value, versionToken(id, 0), this.#tags, this.#options.kmsKeyId);
    if (await create()) return true;
    const existing = await calls.get(name);
    if (!existing || !decodeRecord(existing.value).fence || !this.#isOld(existing)) return false;
    await calls.delete(existing.arn ?? name, undefined);
    return (await create()) !== false;
  }

  #isOld(secret: SecretValue): boolean {
    return secret.createdAt !== undefined && Date.now() - secret.createdAt.getTime() >= this.#options.staleClaimMs;
  }

  #remember(secret: TokenSecret): void {
    this.#recent.delete(secret.record.id);
    this.#recent.set(secret.record.id, secret);
    if (this.#recent.size > CACHE_SIZE) this.#recent.delete(this.#recent.keys().next().value as string);
  }

  /** Claims every key of `record` that `previous` does not already hold, in a fixed order. */
  async #claimKeys(
    calls: Calls,
    record: StoredToken,
    previous: TokenSecret | undefined | null,
  ): Promise<{ ok: true; nonces: ClaimNonces; created: ClaimNonces } | { ok: false; why: 'taken' | 'same-token-busy' }> {
    const keys = uniqueKeysOf(record);
    const held = previous ? uniqueKeysOf(previous.record) : null;
    const nonces: ClaimNonces = {};
    const created: ClaimNonces = {};
    for (const kind of KINDS) {
      const value = keys[kind];
      if (value === null) continue;
      if (held && held[kind] === value) {
        const nonce = previous?.claims[kind];
        if (nonce !== undefined) nonces[kind] = nonce;
        continue;
      }
      const result = await this.#index.claim(calls, kind, value, record.id, record.version).catch(async (error: unknown) => {
        await this.#releaseAll(calls, record, created).catch(() => undefined);
        throw error;
      });
      if (!result.claimed) {
        await this.#releaseAll(calls, record, created);
        return { ok: false, why: result.why };
      }
      nonces[kind] = result.nonce;
      if (result.created) created[kind] = result.nonce;
    }
    return { ok: true, nonces, created };
  }

  async #releaseAll(calls: Calls, record: StoredToken, claims: ClaimNonces): Promise<void> {
    const keys = uniqueKeysOf(record);
    for (const kind of KINDS) {
      const value = keys[kind];
      const nonce = claims[kind];
      if (value !== null && nonce !== undefined) await this.#index.release(calls, kind, value, record.id, nonce, true);
    }
  }

  /** Before the first operation of a store whose prefix does not end in `/`: see migrate.ts. */
  #moveLegacy(calls: Calls): Promise<unknown> {
    if (this.#names.legacyRoot === undefined) return Promise.resolve();
    this.#moved ??= moveLegacySecrets(calls, this.#names, this.namespace, this.#tags, this.#options.kmsKeyId).catch((error: unknown) => {
      this.#moved = undefined;
      throw error;
    });
    return this.#moved;
  }

  /**
   * Runs one operation's calls under one deadline; when it fires, calls in flight are aborted
   * and the operation fails with UNAVAILABLE (the SDK may otherwise retry for a long time).
   */
  async #run<T>(operation: (calls: Calls) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timeoutMs = this.#options.operationTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new BackendFailure('UNAVAILABLE', `no answer from Secrets Manager within ${timeoutMs} ms (operationTimeoutMs)`));
      }, timeoutMs);
    });
    try {
      const calls = new Calls({ client: this.#options.client, maxThrottleAttempts: this.#options.maxThrottleAttempts }, controller.signal);
      return await Promise.race([this.#moveLegacy(calls).then(() => operation(calls)), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Refuses a token too large for a secret before any call, counting a claim nonce for every key. */
function checkSize(record: StoredToken): void {
  const nonce = '00000000-0000-4000-8000-000000000000';
  encodeRecord(record, { user: nonce, access: nonce, refresh: nonce, grant: nonce });
}

/** A few deletions at a time: Secrets Manager throttles bursts. */
async function inBatches(names: string[], run: (name: string) => Promise<void>): Promise<void> {
  for (let i = 0; i < names.length; i += 5) await Promise.all(names.slice(i, i + 5).map(run));
}
