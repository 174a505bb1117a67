import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from './errors.js';

/** A claim on the move of one token out of one version: `_id` is `<version>:<token id>`. */
export interface ClaimDocument {
  _id: string;
  at: Date;
}

/**
 * FerretDB 1.x runs an update as "find the matching documents, then write each by _id" with no
 * isolation between the two steps, so two updates filtered on the same version can both match
 * and the second silently overwrites the first. An insert, by contrast, is checked by SQLite's
 * primary key atomically: before updating a token from version N, a writer inserts the claim
 * `N:<id>`; only one writer per version gets it. The claim is removed after the update, and a
 * claim left behind by a writer that died is taken over once older than `staleAfterMs`.
 *
 * MongoDB applies the update filter atomically, so there the store skips all of this.
 */
export class Claims {
  readonly #collection: Collection<ClaimDocument>;
  readonly #staleAfterMs: number;
  readonly #timeoutMs: number;

  constructor(collection: Collection<ClaimDocument>, timeoutMs: number) {
    this.#collection = collection;
    this.#timeoutMs = timeoutMs;
    this.#staleAfterMs = Math.max(30_000, 3 * timeoutMs);
  }

  /** True if this writer now holds the move out of `version`; false if another writer does. */
  async acquire(id: string, version: number): Promise<boolean> {
    const _id = `${version}:${id}`;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await this.#collection.insertOne({ _id, at: new Date() }, { maxTimeMS: this.#timeoutMs });
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await this.#collection.findOne({ _id }, { maxTimeMS: this.#timeoutMs });
      if (held && held.at instanceof Date && Date.now() - held.at.getTime() < this.#staleAfterMs) return false;
      if (held) await this.#collection.deleteOne({ _id, at: held.at }, { maxTimeMS: this.#timeoutMs });
    }
    return false;
  }

  /** Best effort: a claim that cannot be removed now goes stale and is taken over later. */
  async release(id: string, version: number): Promise<void> {
    await this.#collection.deleteOne({ _id: `${version}:${id}` }, { maxTimeMS: this.#timeoutMs }).catch(() => undefined);
  }
}
