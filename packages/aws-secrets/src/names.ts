import { createHash } from 'node:crypto';
import { hashKey, type LookupKind } from '@tokens/core';

export const NAMESPACE_TAG = 'tokens:namespace';

/**
 * Secret names hold hex SHA-256 digests, not base64url: AWS warns that a name ending in a
 * hyphen and six characters can be mistaken for an ARN suffix, and base64url contains hyphens.
 */
function digest(value: string): string {
  return Buffer.from(hashKey(value), 'base64url').toString('hex');
}

/**
 * Where a store's secrets live: `<prefix><namespace>/` when the prefix is empty or ends in `/`
 * (the default `tokens/`), else `<prefix>.<namespace>/`.
 *
 * Why: a namespace is `[a-z][a-z0-9_]*`, so it contains neither `/` nor `.`. Read from the right,
 * a name is `<root segment>/t/<hex>` or `<root segment>/k/<kind>/<hex>`; a root segment without a
 * `.` is the whole namespace (the prefix ended at the `/` before it), one with a `.` is
 * `<end of prefix>.<namespace>`, split at its last `.`. Either way prefix and namespace are
 * recovered, so two stores whose prefix or namespace differ never share a name. 0.1.x joined
 * every prefix straight to the namespace (`tokens/xa` + `b` = `tokens/` + `xab`); for prefixes
 * ending in `/` that is the same layout, and for the others `legacyRoot` says where 0.1.x wrote
 * (see migrate.ts).
 */
export function rootOf(prefix: string, namespace: string): string {
  return prefix === '' || prefix.endsWith('/') ? `${prefix}${namespace}/` : `${prefix}.${namespace}/`;
}

const HEX = '[0-9a-f]{64}';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every name a store uses, under its root (see `rootOf`). */
export class SecretNames {
  readonly root: string;
  readonly tokens: string;
  /** Where 0.1.x kept this store's secrets, when that differs from `root`. */
  readonly legacyRoot: string | undefined;
  readonly #tokenName: RegExp;
  readonly #ownName: RegExp;

  constructor(prefix: string, namespace: string) {
    this.root = rootOf(prefix, namespace);
    this.tokens = `${this.root}t/`;
    const legacy = `${prefix}${namespace}/`;
    this.legacyRoot = legacy === this.root ? undefined : legacy;
    this.#tokenName = new RegExp(`^${escapeRegExp(this.tokens)}${HEX}$`);
    this.#ownName = new RegExp(`^${escapeRegExp(this.root)}(?:t|k/(?:user|access|refresh|grant))/${HEX}$`);
  }

  token(id: string): string {
    return `${this.tokens}${digest(id)}`;
  }

  index(kind: LookupKind, value: string): string {
    return `${this.root}k/${kind}/${digest(value)}`;
  }

  /**
   * Exactly one of this store's token names. Listing matches names by prefix (and AWS ignores
   * case there), and another store's root may lie below ours (prefix `tokens/app/t/`, under
   * namespace `app` of prefix `tokens/`): only the exact shape tells our secrets apart.
   */
  isToken(name: string): boolean {
    return this.#tokenName.test(name);
  }

  /** Exactly one of this store's names, token or index. */
  isOwn(name: string): boolean {
    return this.#ownName.test(name);
  }
}

/** Shapes 32 hex digits as a UUID, which every ClientRequestToken check accepts. */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The version id of the write that moves a token from `version` to `version + 1` (0: its
 * creation). Secrets Manager refuses a second, different value under a version id already used
 * on that secret, so of all writers starting from one version exactly one succeeds.
 */
export function versionToken(id: string, version: number): string {
  return uuidFrom(`token\0${id}\0${version}`);
}

/** The version id of a write replacing index version `versionId`: a takeover or a release. */
export function successorToken(versionId: string): string {
  return uuidFrom(`index\0${versionId}`);
}
