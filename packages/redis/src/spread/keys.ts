import { hashKey, type LookupKind } from '@tokens/core';

/** Buckets a namespace's tokens are listed in; a token lives in its bucket's slot. */
export const BUCKETS = 1024;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The `spread` layout: a namespace's keys over many hash slots, hence over every master.
 *
 * - `tokens:{<ns>:b<i>}:t:<ref>`: the hash of one token, in the slot of its bucket `i` (from its ref);
 * - `tokens:{<ns>:b<i>}:ids`: the refs of the bucket's tokens (listing without KEYS/SCAN), in the
 *   same slot, so a token and its membership change in one script;
 * - `tokens:{<ns>:<kind>:<digest>}:k`: the claim on one unique value, in a slot of its own.
 *
 * Every hash tag starts with `<ns>:` and a namespace has no `:` (checkNamespace), so no two
 * namespaces share a key and none is a key of the `slot` layout (`tokens:{<ns>}:...`). Refs and
 * digests are base64url (no braces, colons or glob characters): no id or value moves a key.
 */
export class SpreadKeySpace {
  readonly #base: string;

  constructor(readonly namespace: string) {
    this.#base = `tokens:{${namespace}:`;
  }

  /** A token's ref: the fixed-length stand-in for its id used in every key and claim. */
  ref(id: string): string {
    return hashKey(id);
  }

  /** 0..BUCKETS-1 from the first two characters of the ref (4,096 values, evenly). */
  bucketOf(ref: string): number {
    return ((BASE64URL.indexOf(ref[0] ?? 'A') * 64 + BASE64URL.indexOf(ref[1] ?? 'A')) >>> 0) % BUCKETS;
  }

  /** The prefix of the token hashes of bucket `bucket` (a ref completes it). */
  tokenPrefix(bucket: number): string {
    return `${this.#base}b${bucket}}:t:`;
  }

  tokenByRef(ref: string): string {
    return this.tokenPrefix(this.bucketOf(ref)) + ref;
  }

  bucketSet(bucket: number): string {
    return `${this.#base}b${bucket}}:ids`;
  }

  bucketSetOf(ref: string): string {
    return this.bucketSet(this.bucketOf(ref));
  }

  index(kind: LookupKind, value: string): string {
    return this.indexByDigest(kind, hashKey(value));
  }

  indexByDigest(kind: LookupKind, digest: string): string {
    return `${this.#base}${kind}:${digest}}:k`;
  }

  /** The glob matching every key of this namespace in this layout (for tests and operators). */
  get pattern(): string {
    return `${this.#base}*`;
  }

  /** The glob matching this namespace's index keys only: `deleteTokens` scans for them (nothing else lists a void claim). */
  get indexPattern(): string {
    return `${this.#base}*}:k`;
  }

  /** The kind and digest of an index key of this namespace, or null for any other key. */
  parseIndex(key: string): { kind: LookupKind; digest: string } | null {
    if (!key.startsWith(this.#base) || !key.endsWith('}:k')) return null;
    const match = /^(user|access|refresh|grant):([A-Za-z0-9_-]{1,64})$/.exec(key.slice(this.#base.length, -3));
    return match ? { kind: match[1] as LookupKind, digest: match[2] as string } : null;
  }
}
