import { BackendFailure, TokenStoreError, type TokenStoreErrorCode } from '../errors.js';
import type { TokenStore } from '../store.js';
import type { StoredToken } from '../token.js';
import type { EncryptedBackend } from './encrypted-backend.js';
import { handleOf } from './handle.js';
import type { Keyring } from './keyring.js';

export interface ReencryptOptions {
  /** Records handled between two progress reports (default 100). */
  batchSize?: number;
  /** Records rewritten at once within a batch (default 4; server backends gain from a few). */
  concurrency?: number;
  /** Attempts per record while the application keeps changing it (default 20). */
  maxAttempts?: number;
  /** Called after each batch. */
  onProgress?: (progress: ReencryptProgress) => void;
  /** Stops after the records in flight; the result then has `aborted: true`. Run again to resume. */
  signal?: AbortSignal;
}

export interface ReencryptProgress {
  /** Id of the key records are moved to (the store's current key). */
  currentKeyId: string;
  /** Records in the namespace when the pass started. */
  total: number;
  /** Records looked at so far. */
  scanned: number;
  /** Rewritten with the current key (plain records encrypted, in migration mode). */
  rewritten: number;
  /** Already on the current key (rewritten by the application meanwhile, or by an earlier run). */
  alreadyCurrent: number;
  /** Deleted by the application before the pass reached them. */
  gone: number;
  /** Could not be rewritten; see `failures`. */
  failed: number;
}

export interface ReencryptResult extends ReencryptProgress {
  /** One entry per failed record: its id and the error code and reason (never a value). */
  failures: Array<{ id: string; code: TokenStoreErrorCode; reason: string }>;
  aborted: boolean;
}

type Outcome = 'rewritten' | 'alreadyCurrent' | 'gone';

/**
 * Moves every record of an encrypted store to its current key (and, with `allowPlaintext`,
 * encrypts plain records): the rotation step between "make the new key current" and "drop the
 * old one". Each record is rewritten by compare-and-set on its version, so writes of the running
 * application are never lost; a record it changed meanwhile is read again (and skipped if the
 * application already wrote it with the current key). Idempotent: a second run, or a run after
 * an interruption, only rewrites what is still left. Records whose key is missing or whose data
 * fails authentication are reported in `failures`, left as they are, and do not stop the pass;
 * a backend outage does (rerun it).
 */
export async function reencryptTokens(store: TokenStore, options: ReencryptOptions = {}): Promise<ReencryptResult> {
  const backend = handleOf(store);
  if (!backend) {
    throw new TokenStoreError({
      code: 'INVALID_OPTIONS',
      backend: (store as { backend?: string })?.backend ?? 'core',
      operation: 'reencryptTokens',
      reason: 'the store was not created with the encryption option',
    });
  }
  const batchSize = positive(options.batchSize, 100, 'batchSize', backend);
  const concurrency = positive(options.concurrency, 4, 'concurrency', backend);
  const maxAttempts = positive(options.maxAttempts, 20, 'maxAttempts', backend);
  const ring = await call(backend, () => backend.keyring());
  const records = await call(backend, () => backend.inner.list());
  const result: ReencryptResult = {
    currentKeyId: ring.current.id,
    total: records.length,
    scanned: 0,
    rewritten: 0,
    alreadyCurrent: 0,
    gone: 0,
    failed: 0,
    failures: [],
    aborted: false,
  };
  for (let start = 0; start < records.length; start += batchSize) {
    if (options.signal?.aborted) {
      result.aborted = true;
      break;
    }
    const batch = records.slice(start, start + batchSize);
    let next = 0;
    const worker = async () => {
      while (next < batch.length && !options.signal?.aborted) {
        const stored = batch[next++] as StoredToken;
        try {
          result[await rewrite(backend, ring, stored, maxAttempts)]++;
        } catch (error) {
          if (
            !(error instanceof BackendFailure) ||
            (error.code !== 'CORRUPT' && error.code !== 'KEY_UNAVAILABLE' && error.code !== 'CONFLICT')
          ) {
            throw wrap(backend, error);
          }
          result.failed++;
          result.failures.push({ id: stored.id, code: error.code, reason: error.message });
        }
        result.scanned++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    if (options.signal?.aborted && result.scanned < records.length) result.aborted = true;
    options.onProgress?.(progressOf(result));
    if (result.aborted) break;
  }
  return result;
}

async function rewrite(backend: EncryptedBackend, ring: Keyring, listed: StoredToken, maxAttempts: number): Promise<Outcome> {
  let stored: StoredToken | null = listed;
  for (let attempt = 1; ; attempt++) {
    if (!stored) return 'gone';
    if (backend.isCurrent(ring, stored)) return 'alreadyCurrent';
    const record = backend.decode(ring, stored);
    // A write like any other: version + 1, so compare-and-set readers see that the record changed.
    const next = { ...record, version: record.version + 1 };
    const { stored: rewritten, previousStored } = backend.encodeUpdate(ring, next, record);
    const outcome = await backend.inner.update(rewritten, stored.version, previousStored);
    if (outcome === 'updated') return 'rewritten';
    if (outcome === 'duplicate') {
      throw new BackendFailure('CONFLICT', 'another record already holds one of its tokens (a plain and an encrypted copy of one token?)');
    }
    if (attempt >= maxAttempts) throw new BackendFailure('CONFLICT', `the application kept changing it (${attempt} attempts)`);
    const id = stored.id;
    stored = await backend.inner.getById(id);
  }
}

function progressOf(result: ReencryptResult): ReencryptProgress {
  const { currentKeyId, total, scanned, rewritten, alreadyCurrent, gone, failed } = result;
  return { currentKeyId, total, scanned, rewritten, alreadyCurrent, gone, failed };
}

async function call<T>(backend: EncryptedBackend, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrap(backend, error);
  }
}

function wrap(backend: EncryptedBackend, error: unknown): TokenStoreError {
  if (error instanceof TokenStoreError) return error;
  const base = { backend: backend.backend, operation: 'reencryptTokens' };
  if (error instanceof BackendFailure)
    return new TokenStoreError({ ...base, code: error.code, reason: error.message, cause: error.cause ?? error });
  const described = backend.describeError?.(error);
  if (described) return new TokenStoreError({ ...base, code: described.code, reason: described.reason, cause: error });
  return new TokenStoreError({ ...base, code: 'UNAVAILABLE', reason: 'the backend failed', cause: error });
}

function positive(value: number | undefined, fallback: number, name: string, backend: EncryptedBackend): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TokenStoreError({
      code: 'INVALID_OPTIONS',
      backend: backend.backend,
      operation: 'reencryptTokens',
      reason: `${name} must be a positive integer`,
    });
  }
  return value;
}
