import { randomUUID } from 'node:crypto';
import { DATA_FIELDS, hashKey, type StoredToken } from '@tokens/core';
import type { Collection } from 'mongodb';
import { fromDocument, type TokenDocument } from './document.js';
import { isDuplicateKeyError } from './errors.js';

/**
 * A claim on the move of one token out of one version: `_id` is `<version>:<token id>`. It
 * records the move itself: `prev` (a digest of the record it starts from) and `next` (the
 * document it writes), so that whoever finds it can complete it. Claims of 0.1.x hold only `at`.
 */
export interface ClaimDocument {
  _id: string;
  at: Date;
  token?: string;
  from?: number;
  owner?: string;
  prev?: string;
  next?: TokenDocument;
}

/**
 * How long a claim whose token is still at the claimed version is left to its owner, then
 * completed by whoever needs the token (see `Claims`). Its owner needs one round trip.
 */
export const CLAIM_GRACE_MS = 1000;
/** A 0.1.x claim records no move, so it can only be waited out, as 0.1.x did. */
const LEGACY_STALE_MS = 30_000;
/** While a claim is in its grace period, a save polls it this often (the store retries as well). */
const POLL_MS = 10;

export type Claim = { owner: string } | 'stale';

/**
 * FerretDB 1.x runs an update as "find the matching documents, then write each by _id" with no
 * isolation between the two steps, so two updates filtered on the same version can both match
 * and the second silently overwrites the first. An insert, by contrast, is checked by SQLite's
 * primary key atomically: before updating a token from version N, a writer inserts the claim
 * `N:<id>`; only one writer per version gets it, and only it writes from version N.
 *
 * A writer killed between its claim and its release leaves the claim behind. If the token has
 * moved past N meanwhile, the claim is inert (nobody writes from N any more) and is removed by the
 * next save of that token. If the token is still at N, the claim holds the killed writer's own
 * next document: after `CLAIM_GRACE_MS` the next writer completes that move itself (the same
 * write, filtered on version N, so it lands at most once: a late copy of the owner's request writes
 * the same document) and then makes its own save on top. Nothing is lost (the crashed save lands,
 * as it might have anyway) and nothing is waited out: the bound is the grace, not a lease.
 *
 * MongoDB applies the update filter atomically, so there the store skips all of this.
 */
export class Claims {
  readonly #collection: Collection<ClaimDocument>;
  readonly #tokens: Collection<TokenDocument>;
  readonly #timeoutMs: number;
  /** When this process first saw a claim (by `_id` and owner): a skewed clock cannot stretch the grace. */
  readonly #seen = new Map<string, number>();

  constructor(collection: Collection<ClaimDocument>, tokens: Collection<TokenDocument>, timeoutMs: number) {
    this.#collection = collection;
    this.#tokens = tokens;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Claims the move of `next` out of `previous` (at version `from`), completing a dead writer's
   * claim first if one is in the way; 'stale' when the token is not (or no longer) at `from`.
   */
  async acquire(next: TokenDocument, from: number, previous: StoredToken): Promise<Claim> {
    const _id = `${from}:${next._id}`;
    const owner = randomUUID();
    const prev = digest(previous);
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.#collection.insertOne({ _id, at: new Date(), token: next._id, from, owner, prev, next }, this.#options());
        return { owner };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await this.#collection.findOne({ _id }, this.#options());
      if (!held) continue; // released meanwhile
      const outcome = await this.#settle(held, next._id, from);
      if (outcome === 'stale') return 'stale';
    }
    return 'stale';
  }

  /**
   * After this writer's update: on success every claim of the token up to `from` is inert and
   * goes (it holds the token's old secrets); otherwise only this writer's own claim.
   */
  async release(id: string, from: number, owner: string, updated: boolean): Promise<void> {
    const filter = updated ? { token: id, from: { $lte: from } } : { _id: `${from}:${id}`, owner };
    // Best effort: a claim left here is inert or completed by the next writer.
    await this.#collection.deleteMany(filter, this.#options()).catch(() => undefined);
  }

  /** Removes the claims of a deleted token (they may hold its secrets). */
  async forget(id: string): Promise<void> {
    await this.#collection.deleteMany({ token: id }, this.#options());
  }

  async clear(): Promise<void> {
    await this.#collection.deleteMany({}, this.#options());
  }

  /**
   * What to do about a claim held by someone else: 'retry' once it is gone (completed, inert or
   * from another life of the id), 'stale' while its owner may still be at work.
   */
  async #settle(held: ClaimDocument, id: string, from: number): Promise<'retry' | 'stale'> {
    const document = await this.#tokens.findOne({ _id: id }, this.#options());
    const current = document && fromDocument(document);
    if (held.next === undefined || held.prev === undefined || held.owner === undefined) {
      // 0.1.x: no move recorded; wait it out as 0.1.x did.
      if (this.#age(held) < LEGACY_STALE_MS) return 'stale';
      await this.#collection.deleteOne({ _id: held._id, at: held.at }, this.#options());
      return 'retry';
    }
    if (!current || current.version !== from) {
      // The token has moved on (or is gone): nobody can write from this version any more.
      await this.#drop(held);
      return 'stale';
    }
    if (digest(current) !== held.prev) {
      // A claim from an earlier life of this id (deleted and saved again): it can never complete.
      await this.#drop(held);
      return 'retry';
    }
    const age = this.#age(held);
    if (age < CLAIM_GRACE_MS) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, CLAIM_GRACE_MS - age)));
      return 'stale';
    }
    // Its owner had its chance: complete its move (the very write it would make).
    const { _id, ...replacement } = held.next;
    try {
      await this.#tokens.replaceOne({ _id: id, version: from }, replacement, this.#options());
    } catch (error) {
      // The move would break a unique key: it can never happen, so the claim is void.
      if (!isDuplicateKeyError(error)) throw error;
      await this.#drop(held);
      return 'retry';
    }
    await this.#drop(held);
    return 'stale';
  }

  async #drop(held: ClaimDocument): Promise<void> {
    this.#seen.delete(`${held._id}\0${held.owner}`);
    await this.#collection.deleteOne({ _id: held._id, owner: held.owner }, this.#options());
  }

  /** The claim's age by its own clock or by how long this process has seen it, whichever is more. */
  #age(held: ClaimDocument): number {
    const now = Date.now();
    const key = `${held._id}\0${held.owner}`;
    let seen = this.#seen.get(key);
    if (seen === undefined) {
      if (this.#seen.size >= 1000) this.#seen.clear();
      seen = now;
      this.#seen.set(key, seen);
    }
    const stamped = held.at instanceof Date ? now - held.at.getTime() : 0;
    return Math.max(stamped, now - seen);
  }

  #options() {
    return { maxTimeMS: this.#timeoutMs };
  }
}

/** Identifies a record's exact state without holding its secrets. */
function digest(record: StoredToken): string {
  return hashKey(JSON.stringify([record.id, record.version, ...DATA_FIELDS.map((field) => record[field])]));
}
