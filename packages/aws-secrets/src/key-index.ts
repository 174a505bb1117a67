import { randomUUID } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-secrets-manager';
import { BackendFailure, type LookupKind, uniqueKeysOf } from '@tokens/core';
import type { Calls, SecretValue } from './calls.js';
import { type SecretNames, successorToken, versionToken } from './names.js';
import { decodeRecord, encodeFence, encodeRecord, type TokenSecret } from './record.js';

/**
 * An index secret's value: the id of the token holding the key (null: released, being deleted),
 * a claim nonce, and `v`, the version at which that token is to hold the key (the version its
 * writer is writing). `d: 1` on a release: its deleter deletes by ARN (see `release`). Entries of
 * 0.1.x have neither `v` nor `d`.
 */
interface IndexEntry {
  id: string | null;
  c: string;
  v?: number;
  d?: 1;
}

/** `created`: false when the claim was another writer's of the very same move (see `claim`), which this save must not release. */
export type ClaimResult = { claimed: true; nonce: string; created: boolean } | { claimed: false; why: 'taken' | 'same-token-busy' };

export interface KeyIndexOptions {
  names: SecretNames;
  tags: Tag[];
  kmsKeyId: string | undefined;
  /** For claims of 0.1.x only (they do not say which version they are for): after this long they are left over from a dead writer. */
  staleClaimMs: number;
  /** How long a lookup waits for a token whose insert is in flight. */
  inFlightWaitMs: number;
}

/** A lookup waits at most this long for an insert in flight before it reports the key unknown. */
export const PENDING_INSERT_WAIT_MS = 1000;

/**
 * One small secret per unique key, `<root>k/<kind>/<digest>`, holding the id of its token.
 * CreateSecret fails when the name exists, which makes claiming a key atomic. A claim is made
 * before the token is written, so for a moment an index may point at a token that does not
 * (yet, or any more) hold the key. Replacing an index value (a takeover, or the tombstone that
 * precedes a deletion) is a compare-and-set on the version read: its version id derives from
 * that version, so of several writers acting on one version only one succeeds.
 *
 * A claim says which version `v` of its token is to hold the key. The write of version `v` is
 * a compare-and-set under the version id `versionToken(id, v - 1)` (names.ts), which exactly one
 * write can ever use. So whoever finds a claim whose token does not hold the key decides at once,
 * never by a clock:
 * - the token is at `v` or later (or gone): that write happened without the key, the claim is
 *   void: take it over;
 * - the claim is this save's own move (same token, same `v`): share it (its nonce), and let the
 *   compare-and-set pick one of the two writes, both of which hold the key under that nonce;
 * - else its writer may still be at work (or dead): make its write impossible by using its
 *   version id first (a fence: for an insert, a placeholder secret under the token's name; for an
 *   update, the token rewritten unchanged at version `v`), then take the claim over.
 * A fence costs its token one version number, never data: a writer's save either happened or
 * can no longer happen. Claims of 0.1.x keep the old rule (taken over after `staleClaimMs`).
 */
export class KeyIndex {
  readonly #options: KeyIndexOptions;
  /** When this process first saw a claim (by name and nonce): see `#pendingFor`. */
  readonly #seen = new Map<string, number>();

  constructor(options: KeyIndexOptions) {
    this.#options = options;
  }

  name(kind: LookupKind, value: string): string {
    return this.#options.names.index(kind, value);
  }

  /** Claims `kind=value` for token `id` at version `version` (the version the caller writes). */
  async claim(calls: Calls, kind: LookupKind, value: string, id: string, version: number): Promise<ClaimResult> {
    const name = this.name(kind, value);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const nonce = randomUUID();
      const mine = JSON.stringify({ id, c: nonce, v: version } satisfies IndexEntry);
      if (await calls.create(name, mine, randomUUID(), this.#options.tags, this.#options.kmsKeyId))
        return { claimed: true, nonce, created: true };
      const current = await calls.get(name);
      if (!current) {
        // Deleted meanwhile, or (on AWS) the name is still reserved by a deletion in progress.
        await calls.sleep(25 * attempt);
        continue;
      }
      const entry = parseEntry(current.value);
      if (entry.id === null) {
        if (entry.d === 1) {
          // Released: its releaser deletes this very secret (by ARN), and so may we.
          await calls.delete(current.arn ?? name, undefined);
          continue;
        }
        // A 0.1.x release deletes by name: wait for it, unless the releaser died.
        if (this.#isYoung(current)) {
          await calls.sleep(25 * attempt);
          continue;
        }
      } else {
        const holder = await this.#token(calls, entry.id);
        if (holder && !holder.fence && uniqueKeysOf(holder.record)[kind] === value)
          return { claimed: false, why: entry.id === id ? 'same-token-busy' : 'taken' };
        const verdict = await this.#judge(calls, { ...entry, id: entry.id }, holder, current, id, version);
        if (verdict === 'share') return { claimed: true, nonce: entry.c, created: false };
        if (verdict === 'again') continue;
        if (verdict !== 'void') return { claimed: false, why: verdict };
      }
      const outcome = await calls.put(name, mine, successorToken(current.versionId ?? ''));
      if (outcome === 'written') return { claimed: true, nonce, created: true };
    }
    return { claimed: false, why: 'taken' };
  }

  /**
   * Deletes the index if it still carries the claim `nonce` of token `id`: first a tombstone
   * (compare-and-set on the version read, so a concurrent takeover wins or loses cleanly), then
   * the secret itself, for good and by ARN: a deletion that comes late can only hit this secret,
   * never one created under the same name since. `unlessHeld`: not if token `id` holds the key
   * (a failed save sharing another writer's claim, that writer having won).
   */
  async release(calls: Calls, kind: LookupKind, value: string, id: string, nonce: string | undefined, unlessHeld = false): Promise<void> {
    const name = this.name(kind, value);
    const current = await calls.get(name);
    if (!current) return;
    const entry = parseEntry(current.value);
    if (entry.id !== id || (nonce !== undefined && entry.c !== nonce)) return;
    if (unlessHeld) {
      const holder = await this.#token(calls, id);
      if (holder && !holder.fence && uniqueKeysOf(holder.record)[kind] === value) return;
    }
    const tombstone = JSON.stringify({ id: null, c: randomUUID(), d: 1 } satisfies IndexEntry);
    if ((await calls.put(name, tombstone, successorToken(current.versionId ?? ''))) === 'written') {
      await calls.delete(current.arn ?? name, undefined);
    }
  }

  /**
   * The id the index points at, and how long a lookup may wait for that token to hold the key
   * when it does not yet (`tokenVersion`: the version found, 0 for none): only while the claimed
   * write may still land (the token is at the version before it), never for a claim that is void.
   */
  async lookup(calls: Calls, kind: LookupKind, value: string): Promise<{ id: string; waitMs: (tokenVersion: number) => number } | null> {
    const current = await calls.get(this.name(kind, value));
    if (!current) return null;
    const entry = parseEntry(current.value);
    if (entry.id === null) return null;
    this.#pendingFor(current, entry);
    const pendingMs = Math.min(this.#options.inFlightWaitMs, PENDING_INSERT_WAIT_MS);
    if (entry.v === undefined) {
      const young = this.#isYoung(current);
      return { id: entry.id, waitMs: () => (young ? pendingMs : 0) };
    }
    const v = entry.v;
    return { id: entry.id, waitMs: (tokenVersion) => (tokenVersion === v - 1 ? pendingMs : 0) };
  }

  get inFlightWaitMs(): number {
    return this.#options.inFlightWaitMs;
  }

  /**
   * What a claim of another writer (not holding the key) means for a save of token `id` at
   * `version`: 'void' (take it over), 'share', 'again' (fenced or changed: look again), or why
   * it stands.
   */
  async #judge(
    calls: Calls,
    entry: IndexEntry & { id: string },
    holder: TokenSecret | null,
    current: SecretValue,
    id: string,
    version: number,
  ): Promise<'void' | 'share' | 'again' | 'taken' | 'same-token-busy'> {
    const standing = entry.id === id ? 'same-token-busy' : 'taken';
    if (entry.v === undefined) return this.#isYoung(current) ? standing : 'void';
    // A fenced insert can never happen.
    if (holder?.fence) return 'void';
    const at = holder?.record.version ?? 0;
    // Version v was written without the key, or the token is gone after being written: void.
    if (at >= entry.v || (!holder && entry.v > 1)) return 'void';
    if (entry.id === id) {
      if (entry.v === version) return 'share';
      // This save read an older version, or its token is gone: it is the stale one.
      if (entry.v > version || !holder) return 'same-token-busy';
    }
    if (at !== entry.v - 1) return standing; // from another life of a reused id: let it be
    // A writer that is alive needs a round trip or two: give it that before fencing it off (the
    // lookup before an insert has usually waited that long already), so racing saves do not
    // fence each other in turn.
    if (this.#pendingFor(current, entry) < PENDING_INSERT_WAIT_MS) return standing;
    return (await this.#fence(calls, entry.id, entry.v, holder)) ? 'void' : 'again';
  }

  /** Uses the version id of the write that would make token `id` version `v`; true if this did. */
  async #fence(calls: Calls, id: string, v: number, holder: TokenSecret | null): Promise<boolean> {
    const name = this.#options.names.token(id);
    if (!holder)
      return (await calls.create(name, encodeFence(id), versionToken(id, 0), this.#options.tags, this.#options.kmsKeyId)) !== false;
    const unchanged = encodeRecord({ ...holder.record, version: v }, holder.claims);
    return (await calls.put(name, unchanged, versionToken(id, v - 1))) === 'written';
  }

  /** The token secret of `id`, a fence included. */
  async #token(calls: Calls, id: string): Promise<TokenSecret | null> {
    const secret = await calls.get(this.#options.names.token(id));
    return secret ? decodeRecord(secret.value) : null;
  }

  /**
   * How long a claim has been pending: by the server's date of the index or by how long this
   * process has been seeing it, whichever is more (a skewed clock can only shorten the wait).
   */
  #pendingFor(current: SecretValue, entry: IndexEntry): number {
    const now = Date.now();
    const key = `${current.name}\0${entry.c}`;
    let seen = this.#seen.get(key);
    if (seen === undefined) {
      if (this.#seen.size >= 1000) this.#seen.clear();
      seen = now;
      this.#seen.set(key, seen);
    }
    return Math.max(now - seen, current.createdAt ? now - current.createdAt.getTime() : 0);
  }

  /** Without a date, assume a writer may be in flight: never take over what might be live. */
  #isYoung(secret: SecretValue): boolean {
    return !secret.createdAt || Date.now() - secret.createdAt.getTime() < this.#options.staleClaimMs;
  }
}

function parseEntry(value: string | undefined): IndexEntry {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<IndexEntry>;
    if ((typeof parsed.id === 'string' || parsed.id === null) && typeof parsed.c === 'string') {
      const entry: IndexEntry = { id: parsed.id, c: parsed.c };
      if (Number.isSafeInteger(parsed.v) && (parsed.v as number) >= 1) entry.v = parsed.v as number;
      if (parsed.d === 1) entry.d = 1;
      return entry;
    }
  } catch {
    // fall through
  }
  throw new BackendFailure('CORRUPT', 'an index secret does not hold an index entry');
}
