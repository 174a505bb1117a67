import {
  hashKey,
  type InsertResult,
  type LookupKey,
  type LookupKind,
  type StoredToken,
  type TokenBackend,
  type UpdateResult,
  uniqueKeysOf,
} from '@tokens/core';
import type { Cluster, Redis } from 'ioredis';
import { decodeToken, encodeToken } from '../codec.js';
import { closeOwnClient, describeRedisError, watch, withinTimeout } from '../connection.js';
import { type Durability, writeDurably } from '../durability.js';
import { KINDS } from '../keys.js';
import { type Claim, ClaimIndex } from './claims.js';
import { BUCKETS, SpreadKeySpace } from './keys.js';
import { defineSpreadScripts, type SpreadScript } from './scripts.js';

export interface SpreadBackendOptions {
  namespace: string;
  /** The store closes the client on close() only when it owns it. */
  owned: boolean;
  operationTimeoutMs: number;
  /** WAIT for replicas after every write (see durability.ts); none by default. */
  durability?: Durability;
  /** Tokens per round trip when listing or clearing a bucket. */
  batchSize?: number;
}

type Args = [number, ...(string | number)[]];

const DEFAULT_BATCH_SIZE = 500;
/** Keys per SCAN page when `deleteTokens` looks for void claims. */
const SCAN_COUNT = 1_000;
/** Buckets listed or cleared at once (each its own round trip, in flight together). */
const BUCKETS_IN_FLIGHT = 64;
/** A deadline for a write that claimed nothing new. */
const NO_DEADLINE = '9007199254740991';
const ALWAYS = () => true;
/** How long a claim whose token is at the version before it is waited for before it is fenced. */
export const PENDING_MS = 1_000;

/**
 * The Redis primitive of the `spread` layout (see keys.ts for the keys, claims.ts for how
 * uniqueness holds across slots). Lookups: two round trips (the claim, the token); by id: one.
 * A save: one round trip per new unique value (its claim), one for the token, one per value it
 * drops (its release).
 */
export class SpreadBackend implements TokenBackend {
  readonly backend = 'redis';
  readonly namespace: string;
  readonly keys: SpreadKeySpace;
  readonly #client: Redis | Cluster;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  readonly #durability: Durability | undefined;
  readonly #batchSize: number;
  readonly #claims: ClaimIndex;

  constructor(client: Redis | Cluster, options: SpreadBackendOptions) {
    this.namespace = options.namespace;
    this.keys = new SpreadKeySpace(options.namespace);
    this.#client = client;
    defineSpreadScripts(client);
    watch(client);
    this.#owned = options.owned;
    this.#timeoutMs = options.operationTimeoutMs;
    this.#durability = options.durability;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#claims = new ClaimIndex(
      this.keys,
      {
        write: (script, keysAndArgs, wrote) => this.#write(script, keysAndArgs, wrote),
        read: (script, keysAndArgs) => this.#run(script, keysAndArgs),
        token: (ref) => this.#tokenByRef(ref),
      },
      {
        // A writer past operationTimeoutMs has been told its save failed: its write must not land later.
        ttlMs: options.operationTimeoutMs,
        pendingMs: Math.min(PENDING_MS, Math.floor(options.operationTimeoutMs / 2)),
      },
    );
  }

  async getById(id: string): Promise<StoredToken | null> {
    const record = await this.#tokenByRef(this.keys.ref(id));
    return record && record.id === id ? record : null;
  }

  findByKey(key: LookupKey): Promise<StoredToken | null> {
    return this.#claims.lookup(key.kind, key.value);
  }

  async insert(record: StoredToken): Promise<InsertResult> {
    const ref = this.keys.ref(record.id);
    const claimed = await this.#claimNew(record, null, ref);
    if (!claimed.ok) return 'duplicate';
    const fields = encodeToken(record);
    for (const [kind, claim] of claimed.claims) fields.push(`c:${kind}`, claim.nonce);
    const nonces = [...claimed.claims.values()].map((claim) => claim.nonce);
    const args: Args = [
      2,
      this.keys.tokenByRef(ref),
      this.keys.bucketSetOf(ref),
      ref,
      deadlineOf(claimed.claims),
      nonces.length,
      ...nonces,
    ];
    const result = await this.#writeToken(
      'tokensSpreadInsert',
      [...args, ...fields] as Args,
      (value) => value === 1,
      record,
      claimed.claims,
    );
    if (result === 1) return 'inserted';
    await this.#releaseClaims(record, ref, claimed.claims);
    return 'duplicate';
  }

  async update(record: StoredToken, expectedVersion: number, previous: StoredToken): Promise<UpdateResult> {
    const ref = this.keys.ref(record.id);
    const claimed = await this.#claimNew(record, previous, ref);
    if (!claimed.ok) return claimed.why === 'stale' ? 'stale' : 'duplicate';
    const now = uniqueKeysOf(record);
    const before = uniqueKeysOf(previous);
    const nonces = KINDS.map((kind) => {
      if (now[kind] === null) return '';
      return claimed.claims.get(kind)?.nonce ?? '=';
    });
    const args: Args = [
      2,
      this.keys.tokenByRef(ref),
      this.keys.bucketSetOf(ref),
      ref,
      String(expectedVersion),
      deadlineOf(claimed.claims),
      ...nonces,
      ...encodeToken(record),
    ];
    const result = (await this.#writeToken(
      'tokensSpreadUpdate',
      args,
      (value) => Array.isArray(value) && value[0] === 1,
      record,
      claimed.claims,
    )) as [number, ...string[]];
    if (result[0] !== 1) {
      await this.#releaseClaims(record, ref, claimed.claims);
      return 'stale';
    }
    // The values this version dropped: their claims are void now; releasing them is tidiness
    // (a release that fails leaves a void claim, which the next claimant takes over).
    await Promise.all(
      KINDS.map(async (kind, i) => {
        const value = before[kind];
        if (value !== null && value !== now[kind]) {
          await this.#claims.release(kind, hashOf(previous, kind), ref, String(result[i + 1] ?? '')).catch(() => undefined);
        }
      }),
    );
    return 'updated';
  }

  async delete(id: string): Promise<void> {
    const ref = this.keys.ref(id);
    const held = (await this.#write(
      'tokensSpreadDelete',
      [2, this.keys.tokenByRef(ref), this.keys.bucketSetOf(ref), ref],
      nonEmpty,
    )) as string[];
    await this.#releaseHeld(ref, held);
  }

  /**
   * Every bucket, many in flight together: its members (SMEMBERS, one consistent read even while
   * its slot migrates, unlike an SSCAN cursor), then their hashes a batch per round trip.
   */
  async list(): Promise<StoredToken[]> {
    const byId = new Map<string, StoredToken>();
    await forEachBucket(async (bucket) => {
      const refs = await this.#send(() => this.#client.smembers(this.keys.bucketSet(bucket)));
      for (let first = 0; first < refs.length; first += this.#batchSize) {
        const keys = refs.slice(first, first + this.#batchSize).map((ref) => this.keys.tokenByRef(ref));
        const hashes = (await this.#run('tokensSpreadFetch', [keys.length, ...keys])) as string[][];
        for (const hash of hashes) {
          const record = decodeSpread(hash);
          if (record) byId.set(record.id, record);
        }
      }
    });
    return [...byId.values()];
  }

  /**
   * Every bucket, many in flight together, a batch of its tokens per round trip, then their
   * claims released; then the void claims no bucket lists, found by SCAN on every master.
   */
  async clear(): Promise<void> {
    await this.#clearBuckets();
    await this.#sweepVoidClaims();
  }

  async #clearBuckets(): Promise<void> {
    await forEachBucket(async (bucket) => {
      for (;;) {
        const refs = await this.#send(() => this.#client.srandmember(this.keys.bucketSet(bucket), this.#batchSize));
        if (refs.length === 0) return;
        const keys = refs.map((ref) => this.keys.tokenByRef(ref));
        const entries = (await this.#write(
          'tokensSpreadDeleteMany',
          [1 + keys.length, this.keys.bucketSet(bucket), ...keys, ...refs],
          ALWAYS,
        )) as string[];
        const releases: Promise<void>[] = [];
        for (let i = 0; i + 8 < entries.length; i += 9) {
          releases.push(this.#releaseHeld(entries[i] as string, entries.slice(i + 1, i + 9)));
        }
        await Promise.all(releases);
      }
    });
  }

  /**
   * A writer killed between its claim and its token write (or a release that failed) leaves a
   * claim on a value no token holds. It blocks nobody (the next claimant fences it), but only a
   * SCAN finds it: `deleteTokens` is the one operation that scans, a page of keys per round trip
   * on each master, so its cost grows with the keys on the masters, not only this namespace's.
   */
  async #sweepVoidClaims(): Promise<void> {
    const client = this.#client as Cluster;
    const nodes: Redis[] = client.isCluster ? client.nodes('master') : [this.#client as Redis];
    await Promise.all(
      nodes.map(async (node) => {
        let cursor = '0';
        do {
          const [next, keys] = await this.#send(() => node.scan(cursor, 'MATCH', this.keys.indexPattern, 'COUNT', SCAN_COUNT));
          cursor = next;
          await Promise.all(
            keys.map((key) => {
              const index = this.keys.parseIndex(key);
              return index ? this.#claims.sweep(index.kind, index.digest) : false;
            }),
          );
        } while (cursor !== '0');
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#owned) await closeOwnClient(this.#client, this.#timeoutMs);
  }

  describeError(error: unknown): { code: 'UNAVAILABLE' | 'CORRUPT'; reason: string } {
    return describeRedisError(error);
  }

  /** Claims, in a fixed order, each unique value of `record` that `previous` does not hold; all or none. */
  async #claimNew(
    record: StoredToken,
    previous: StoredToken | null,
    ref: string,
  ): Promise<{ ok: true; claims: Map<LookupKind, Claim> } | { ok: false; why: 'taken' | 'stale' }> {
    const wanted = uniqueKeysOf(record);
    const held = previous ? uniqueKeysOf(previous) : null;
    const claims = new Map<LookupKind, Claim>();
    for (const kind of KINDS) {
      const value = wanted[kind];
      if (value === null || held?.[kind] === value) continue;
      const result = await this.#claims.claim(kind, value, ref, record.version).catch(async (error: unknown) => {
        // The token write was never sent: the claims made so far are surely unused.
        await this.#releaseClaims(record, ref, claims);
        throw error;
      });
      if (!result.claimed) {
        await this.#releaseClaims(record, ref, claims);
        return { ok: false, why: previous ? result.why : 'taken' };
      }
      claims.set(kind, result.claim);
    }
    return { ok: true, claims };
  }

  /**
   * The token write of a save. When it fails with an error its outcome is unknown: its claims are
   * then abandoned in the background (fenced, then released unless the write landed), so a
   * timeout or a dropped connection leaves nothing behind once Redis answers again.
   */
  async #writeToken(
    script: SpreadScript,
    keysAndArgs: Args,
    wrote: (result: unknown) => boolean,
    record: StoredToken,
    claims: Map<LookupKind, Claim>,
  ): Promise<unknown> {
    try {
      return await this.#write(script, keysAndArgs, wrote);
    } catch (error) {
      const values = uniqueKeysOf(record);
      for (const [kind, claim] of claims) this.#claims.abandon(kind, values[kind] as string, claim).catch(() => undefined);
      throw error;
    }
  }

  /** Gives back the claims of a save that did not land (it said so: no doubt about it). */
  async #releaseClaims(record: StoredToken, ref: string, claims: Map<LookupKind, Claim>): Promise<void> {
    await Promise.all(
      [...claims].map(([kind, claim]) => this.#claims.release(kind, hashOf(record, kind), ref, claim.nonce).catch(() => undefined)),
    );
  }

  /** `held`: the digest per kind, then the nonce per kind, of a token just deleted. */
  async #releaseHeld(ref: string, held: readonly string[]): Promise<void> {
    await Promise.all(
      KINDS.map(async (kind, i) => {
        const digest = held[i];
        if (digest) await this.#claims.release(kind, digest, ref, held[i + 4] ?? '');
      }),
    );
  }

  async #tokenByRef(ref: string): Promise<StoredToken | null> {
    const hash = await this.#send(() => this.#client.hgetall(this.keys.tokenByRef(ref)));
    return decodeSpread(hash);
  }

  #run(script: SpreadScript, keysAndArgs: Args): Promise<unknown> {
    const run = (this.#client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>)[script];
    if (!run) throw new Error(`the Redis script ${script} is not defined`);
    return this.#send(() => run.apply(this.#client, keysAndArgs));
  }

  /** Every write script goes through here: with `durability`, the script and a WAIT in one round trip. */
  #write(script: SpreadScript, keysAndArgs: Args, wrote: (result: unknown) => boolean): Promise<unknown> {
    const durability = this.#durability;
    if (durability) return this.#send(() => writeDurably(this.#client, durability, script, keysAndArgs, wrote));
    return this.#run(script, keysAndArgs);
  }

  #send<T>(command: () => Promise<T>): Promise<T> {
    return withinTimeout(this.#client, this.#timeoutMs, command);
  }
}

const nonEmpty = (result: unknown) => Array.isArray(result) && result.length > 0;

/** The writes must land before the earliest claim they rely on expires. */
function deadlineOf(claims: Map<LookupKind, Claim>): string {
  let deadline: number | undefined;
  for (const claim of claims.values()) deadline = deadline === undefined ? claim.until : Math.min(deadline, claim.until);
  return deadline === undefined ? NO_DEADLINE : String(deadline);
}

function hashOf(record: StoredToken, kind: LookupKind): string {
  return hashKey(uniqueKeysOf(record)[kind] as string);
}

/** A token hash, or null for none or a key holding only vetoes (no `id`). */
function decodeSpread(raw: readonly string[] | Record<string, string> | null | undefined): StoredToken | null {
  if (!raw) return null;
  const hasId = Array.isArray(raw) ? raw.some((field, i) => i % 2 === 0 && field === 'id') : Object.hasOwn(raw, 'id');
  return hasId ? decodeToken(raw) : null;
}

async function forEachBucket(run: (bucket: number) => Promise<void>): Promise<void> {
  for (let first = 0; first < BUCKETS; first += BUCKETS_IN_FLIGHT) {
    const wave: Promise<void>[] = [];
    for (let bucket = first; bucket < Math.min(BUCKETS, first + BUCKETS_IN_FLIGHT); bucket++) wave.push(run(bucket));
    await Promise.all(wave);
  }
}
