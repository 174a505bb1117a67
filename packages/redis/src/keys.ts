import { hashKey, type LookupKind } from '@tokens/core';

export const KINDS: readonly LookupKind[] = ['user', 'access', 'refresh', 'grant'];

/**
 * Where a namespace's data lives. The namespace is the hash tag (`{...}`): in a Cluster every key of
 * a namespace maps to one slot, so one script can touch them all atomically. Ids and values enter
 * keys only as `hashKey` digests (base64url: no braces, colons or glob characters), so no id can
 * move a key to another slot, and `tokens:{ns}` can never be a prefix of `tokens:{ns_2}`.
 */
export class KeySpace {
  /** `tokens:{ns}:t:` + ref: a hash holding one token. */
  readonly tokenPrefix: string;
  /** `tokens:{ns}:k:` + kind + `:` + hashKey(value): the ref of the token holding that value. */
  readonly indexPrefix: string;
  /** A set of the refs of every token, for listing and clearing without KEYS/SCAN. */
  readonly ids: string;

  constructor(readonly namespace: string) {
    const base = `tokens:{${namespace}}:`;
    this.tokenPrefix = `${base}t:`;
    this.indexPrefix = `${base}k:`;
    this.ids = `${base}ids`;
  }

  /** A token's ref: the fixed-length stand-in for its id used in every key and index value. */
  ref(id: string): string {
    return hashKey(id);
  }

  token(id: string): string {
    return this.tokenPrefix + this.ref(id);
  }

  index(kind: LookupKind, value: string): string {
    return `${this.indexPrefix}${kind}:${hashKey(value)}`;
  }

  /** The glob matching every key of this namespace (for tests and operators; the store never scans). */
  get pattern(): string {
    return `tokens:{${this.namespace}}:*`;
  }
}
