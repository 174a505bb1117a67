import { randomUUID } from 'node:crypto';
import type { Tag } from '@aws-sdk/client-secrets-manager';
import { BackendFailure, type LookupKind, uniqueKeysOf } from '@tokens/core';
import type { Calls, SecretValue } from './calls.js';
import { type SecretNames, successorToken } from './names.js';
import { decodeRecord } from './record.js';

/** An index secret's value: the id of the token holding the key (null: released, being deleted) and a claim nonce. */
interface IndexEntry {
  id: string | null;
  c: string;
}

export type ClaimResult = { claimed: true; nonce: string } | { claimed: false; why: 'taken' | 'same-token-busy' };

export interface KeyIndexOptions {
  names: SecretNames;
  tags: Tag[];
  kmsKeyId: string | undefined;
  /** After this long, a claim whose token does not hold the key is left over from a dead writer. */
  staleClaimMs: number;
  /** How long a lookup waits for a token whose insert is in flight. */
  inFlightWaitMs: number;
}

/**
 * One small secret per unique key, `<root>k/<kind>/<digest>`, holding the id of its token.
 * CreateSecret fails when the name exists, which makes claiming a key atomic. A claim is made
 * before the token is written, so for a moment an index may point at a token that does not
 * (yet, or any more) hold the key; such a claim belongs to a writer in flight and is left alone
 * until `staleClaimMs` has passed. Replacing an index value (a takeover, or the tombstone that
 * precedes a deletion) is a compare-and-set on the version read: its version id derives from
 * that version, so of several writers acting on one version only one succeeds.
 */
export class KeyIndex {
  readonly #options: KeyIndexOptions;

  constructor(options: KeyIndexOptions) {
    this.#options = options;
  }

  name(kind: LookupKind, value: string): string {
    return this.#options.names.index(kind, value);
  }

  async claim(calls: Calls, kind: LookupKind, value: string, id: string): Promise<ClaimResult> {
    const name = this.name(kind, value);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const nonce = randomUUID();
      const mine = JSON.stringify({ id, c: nonce } satisfies IndexEntry);
      if (await calls.create(name, mine, randomUUID(), this.#options.tags, this.#options.kmsKeyId)) return { claimed: true, nonce };
      const current = await calls.get(name);
      if (!current) {
        // Deleted meanwhile, or (on AWS) the name is still reserved by a deletion in progress.
        await calls.sleep(25 * attempt);
        continue;
      }
      const entry = parseEntry(current.value);
      const young = this.#isYoung(current);
      if (entry.id === null) {
        // A release is deleting it: wait for that, unless the releaser died.
        if (young) {
          await calls.sleep(25 * attempt);
          continue;
        }
      } else if (entry.id === id) {
        if (young) return { claimed: false, why: 'same-token-busy' };
      } else {
        if (await this.#holds(calls, entry.id, kind, value)) return { claimed: false, why: 'taken' };
        if (young) return { claimed: false, why: 'taken' };
      }
      const outcome = await calls.put(name, mine, successorToken(current.versionId ?? ''));
      if (outcome === 'written') return { claimed: true, nonce };
    }
    return { claimed: false, why: 'taken' };
  }

  /**
   * Deletes the index if it still carries the claim `nonce` of token `id`: first a tombstone
   * (compare-and-set on the version read, so a concurrent takeover wins or loses cleanly), then
   * the secret itself, for good, so the name is free at once.
   */
  async release(calls: Calls, kind: LookupKind, value: string, id: string, nonce: string | undefined): Promise<void> {
    const name = this.name(kind, value);
    const current = await calls.get(name);
    if (!current) return;
    const entry = parseEntry(current.value);
    if (entry.id !== id || (nonce !== undefined && entry.c !== nonce)) return;
    const tombstone = JSON.stringify({ id: null, c: randomUUID() } satisfies IndexEntry);
    if ((await calls.put(name, tombstone, successorToken(current.versionId ?? ''))) === 'written') await calls.delete(name, undefined);
  }

  /** The id the index points at, and whether a writer may still be completing it. */
  async lookup(calls: Calls, kind: LookupKind, value: string): Promise<{ id: string; young: boolean } | null> {
    const current = await calls.get(this.name(kind, value));
    if (!current) return null;
    const entry = parseEntry(current.value);
    return entry.id === null ? null : { id: entry.id, young: this.#isYoung(current) };
  }

  get inFlightWaitMs(): number {
    return this.#options.inFlightWaitMs;
  }

  async #holds(calls: Calls, id: string, kind: LookupKind, value: string): Promise<boolean> {
    const secret = await calls.get(this.#options.names.token(id));
    return secret !== null && uniqueKeysOf(decodeRecord(secret.value).record)[kind] === value;
  }

  /** Without a date, assume a writer may be in flight: never take over what might be live. */
  #isYoung(secret: SecretValue): boolean {
    return !secret.createdAt || Date.now() - secret.createdAt.getTime() < this.#options.staleClaimMs;
  }
}

function parseEntry(value: string | undefined): IndexEntry {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<IndexEntry>;
    if ((typeof parsed.id === 'string' || parsed.id === null) && typeof parsed.c === 'string') return { id: parsed.id, c: parsed.c };
  } catch {
    // fall through
  }
  throw new BackendFailure('CORRUPT', 'an index secret does not hold an index entry');
}
