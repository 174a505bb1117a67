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

/** Every name a store uses, under `<prefix><namespace>/`. */
export class SecretNames {
  readonly root: string;
  readonly tokens: string;

  constructor(prefix: string, namespace: string) {
    this.root = `${prefix}${namespace}/`;
    this.tokens = `${this.root}t/`;
  }

  token(id: string): string {
    return `${this.tokens}${digest(id)}`;
  }

  index(kind: LookupKind, value: string): string {
    return `${this.root}k/${kind}/${digest(value)}`;
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
