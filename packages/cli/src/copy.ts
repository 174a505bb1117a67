import {
  canInsertTokens,
  DATA_FIELDS,
  type InsertMany,
  insertTokens,
  isTokenStoreError,
  LOOKUP_FIELD,
  type LookupKind,
  lookupKeyOf,
  type OAuthToken,
  type StoredToken,
  type TokenStore,
} from '@tokens/core';
import { runPool } from './pool.js';

export interface CopyOptions {
  /** Saves in flight at once (default 32): server stores are round-trip bound, so throughput scales with it. */
  concurrency?: number;
  /** Plan only: count what would be copied, updated or left alone; write nothing. */
  dryRun?: boolean;
  /** Re-read the target afterwards and compare it with the source (default true; never on a dry run). */
  verify?: boolean;
  /** Stops taking new tokens; saves in flight finish, so re-running the copy completes the job. */
  signal?: AbortSignal;
  /** Called after each settled token (the caller throttles its display). */
  onProgress?: (progress: CopyCounts) => void;
  /** After this many failures in a row with UNAVAILABLE or CLOSED the copy stops (default 10). */
  maxConsecutiveUnavailable?: number;
}

export interface CopyCounts {
  total: number;
  done: number;
  /** New in the target. */
  copied: number;
  /** Present in the target (same id or lookup key) with other data: overwritten with the source's. */
  updated: number;
  /** Present in the target with the same data: not written (its version stays). */
  unchanged: number;
  failed: number;
}

export interface CopyFailure {
  id: string | null;
  user: string | null;
  code: string;
  message: string;
}

export interface Verification {
  /** Source tokens found in the target with the same data. */
  matching: number;
  /** Source tokens missing from the target or stored with other data (ids, at most 20 kept). */
  differing: number;
  differingIds: string[];
  /** Target tokens no source token maps to (left alone by the copy). */
  extra: number;
}

export interface CopySummary extends CopyCounts {
  dryRun: boolean;
  interrupted: boolean;
  failures: CopyFailure[];
  verification?: Verification;
  ms: number;
}

type Plan = 'copy' | 'update' | 'unchanged';

interface Job {
  token: OAuthToken;
  plan: Plan;
}

const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];
const MAX_KEPT_FAILURES = 1_000;
/** New tokens per `insertTokens` call: one transaction or statement on the target, and a progress step. */
const BATCH_SIZE = 250;
/** Batches in flight: a server store overlaps a few commits; an in-process one serializes them anyway. */
const BATCHES_IN_FLIGHT = 4;

/**
 * Copies every source token into the target, idempotently: each token is matched in the target by
 * id, else by its lookup key (the rule `saveToken` applies), and written only when its data differs.
 * Re-running after an interruption (or a kill) therefore writes only what is still missing or
 * different, and never duplicates: the target's unique keys make a second insert of a token an
 * update. Versions are per store: a token is written once, so it lands at version 1, and moves on
 * only when a later run finds that the source changed.
 */
export async function copyTokens(source: readonly OAuthToken[], target: TokenStore, options: CopyOptions = {}): Promise<CopySummary> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  const counts: CopyCounts = { total: source.length, done: 0, copied: 0, updated: 0, unchanged: 0, failed: 0 };
  const failures: CopyFailure[] = [];
  const fail = (token: OAuthToken, code: string, message: string) => {
    counts.failed++;
    if (failures.length < MAX_KEPT_FAILURES) failures.push({ id: token.id ?? null, user: token.userSignature ?? null, code, message });
  };

  const index = new TargetIndex(await target.getTokens());
  const waves = planWaves(source, index, fail);
  counts.done = counts.failed;

  let interrupted = false;
  let consecutiveUnavailable = 0;
  const maxUnavailable = options.maxConsecutiveUnavailable ?? 10;
  let fatal: unknown;
  const concurrency = Math.max(1, options.concurrency ?? 32);

  const stopped = () => options.signal?.aborted === true || fatal !== undefined;
  const failed = (tokens: readonly OAuthToken[], error: unknown) => {
    if (!isTokenStoreError(error)) throw error;
    for (const token of tokens) fail(token, error.code, error.message);
    if (error.code === 'UNAVAILABLE' || error.code === 'CLOSED') {
      if (++consecutiveUnavailable >= maxUnavailable) fatal ??= error;
    } else consecutiveUnavailable = 0;
  };
  const settled = (jobs: number) => {
    counts.done += jobs;
    options.onProgress?.({ ...counts });
  };
  const saveOne = async (job: Job) => {
    if (job.plan === 'unchanged' || dryRun) {
      counts[job.plan === 'copy' ? 'copied' : job.plan === 'update' ? 'updated' : 'unchanged']++;
    } else {
      try {
        await target.saveToken(payload(job.token));
        counts[job.plan === 'copy' ? 'copied' : 'updated']++;
        consecutiveUnavailable = 0;
      } catch (error) {
        failed([job.token], error);
      }
    }
    settled(1);
  };
  // New tokens go in batches (one transaction or multi-row statement each) where the target can;
  // one that turns out to be taken meanwhile, or a batch refused for one bad token, is saved alone.
  const insertBatch = async (batch: Job[]): Promise<Job[]> => {
    try {
      const results = await insertTokens(
        target as TokenStore & InsertMany,
        batch.map((job) => payload(job.token)),
      );
      consecutiveUnavailable = 0;
      counts.copied += results.filter((result) => result !== null).length;
      settled(results.filter((result) => result !== null).length);
      return batch.filter((_, i) => results[i] === null);
    } catch (error) {
      if (isTokenStoreError(error, 'INVALID_TOKEN')) return batch;
      failed(
        batch.map((job) => job.token),
        error,
      );
      settled(batch.length);
      return [];
    }
  };
  const batched = !dryRun && canInsertTokens(target);

  for (const wave of waves) {
    const alone: Job[] = batched ? wave.filter((job) => job.plan !== 'copy') : wave;
    if (batched) {
      const batches = chunks(
        wave.filter((job) => job.plan === 'copy'),
        BATCH_SIZE,
      );
      await runPool(batches, Math.min(BATCHES_IN_FLIGHT, concurrency), stopped, async (batch) => {
        alone.push(...(await insertBatch(batch)));
      });
    }
    await runPool(alone, concurrency, stopped, saveOne);
    if (options.signal?.aborted || fatal !== undefined) {
      interrupted = options.signal?.aborted === true;
      break;
    }
  }
  if (fatal !== undefined) throw fatal;

  const summary: CopySummary = { ...counts, dryRun, interrupted, failures, ms: 0 };
  if (!dryRun && !interrupted && options.verify !== false) summary.verification = verify(source, await target.getTokens());
  summary.ms = performance.now() - started;
  return summary;
}

/** The target as read before the copy: by id and by each unique key. */
class TargetIndex {
  readonly #byId = new Map<string, StoredToken>();
  readonly #byKey = new Map<string, StoredToken>();

  constructor(tokens: readonly StoredToken[]) {
    for (const token of tokens) {
      this.#byId.set(token.id, token);
      for (const kind of KINDS) {
        const value = token[LOOKUP_FIELD[kind]];
        if (value) this.#byKey.set(`${kind}\u0000${value}`, token);
      }
    }
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The record `saveToken` would update: by id, else by lookup key. */
  match(token: OAuthToken): StoredToken | undefined {
    const byId = token.id ? this.#byId.get(token.id) : undefined;
    if (byId) return byId;
    const key = lookupKeyOf(token as Parameters<typeof lookupKeyOf>[0]);
    return key ? this.#byKey.get(`${key.kind}\u0000${key.value}`) : undefined;
  }
}

/**
 * Plans each token against the target snapshot. Source tokens that share an id or unique key with
 * an earlier one (possible in a Zoho CSV) go to a later wave, so the last one wins, in source order.
 */
function planWaves(source: readonly OAuthToken[], index: TargetIndex, fail: (token: OAuthToken, code: string, message: string) => void) {
  const waves: Job[][] = [];
  const lastWave = new Map<string, number>();
  for (const token of source) {
    if (!token.id && !lookupKeyOf(token as Parameters<typeof lookupKeyOf>[0])) {
      fail(token, 'INVALID_TOKEN', 'neither an id nor a lookup key: it cannot be copied without risking a duplicate on a re-run');
      continue;
    }
    const keys = uniqueKeys(token);
    const wave = Math.max(-1, ...keys.map((key) => lastWave.get(key) ?? -1)) + 1;
    for (const key of keys) lastWave.set(key, wave);
    const match = index.match(token);
    // Ids are per store (the Zoho SDK numbers its tokens 1, 2, 3...): the same id held by another
    // user in the target is another token, which a copy must not overwrite.
    if (match && match.id === token.id && match.userSignature && token.userSignature && match.userSignature !== token.userSignature) {
      fail(token, 'CONFLICT', `the target's token with this id belongs to another user (${match.userSignature}): not overwritten`);
      continue;
    }
    const plan: Plan = wave > 0 ? 'update' : !match ? 'copy' : sameData(token, match) ? 'unchanged' : 'update';
    waves[wave] ??= [];
    waves[wave].push({ token, plan });
  }
  return waves;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let first = 0; first < items.length; first += size) out.push(items.slice(first, first + size));
  return out;
}

function uniqueKeys(token: OAuthToken): string[] {
  const keys = token.id ? [`id\u0000${token.id}`] : [];
  for (const kind of KINDS) {
    const value = token[LOOKUP_FIELD[kind]];
    if (value) keys.push(`${kind}\u0000${value}`);
  }
  return keys;
}

/** Every data field, `undefined` as `null`: the target ends up holding exactly the source's data. No version: a copy is not a compare-and-set. */
function payload(token: OAuthToken): OAuthToken {
  const data: Record<string, unknown> = {};
  if (token.id) data.id = token.id;
  for (const field of DATA_FIELDS) data[field] = token[field] ?? null;
  return data as OAuthToken;
}

function sameData(token: OAuthToken, stored: StoredToken): boolean {
  return DATA_FIELDS.every((field) => (token[field] ?? null) === stored[field]);
}

/** Every source token must be in the target with its data (found as `saveToken` would find it). */
export function verify(source: readonly OAuthToken[], targetTokens: readonly StoredToken[]): Verification {
  const index = new TargetIndex(targetTokens);
  const seen = new Set<string>();
  const result: Verification = { matching: 0, differing: 0, differingIds: [], extra: 0 };
  for (const token of source) {
    const match = index.match(token);
    if (match) seen.add(match.id);
    if (match && sameData(token, match)) result.matching++;
    else {
      result.differing++;
      if (result.differingIds.length < 20) result.differingIds.push(token.id ?? token.userSignature ?? '(no id)');
    }
  }
  result.extra = targetTokens.filter((token) => !seen.has(token.id)).length;
  return result;
}
