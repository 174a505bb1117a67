import { TokenStoreError } from './errors.js';

export const DEFAULT_NAMESPACE = 'tokens';

/** What a namespace may be; exported so backends can check names they read back. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * Namespaces become table, collection, key and secret names: one lowercase identifier
 * (a letter, then letters, digits or `_`, at most 48) is safe and distinct on every backend,
 * including case-insensitive file systems.
 */
export function checkNamespace(namespace: unknown, backend: string): string {
  const value = namespace === undefined ? DEFAULT_NAMESPACE : namespace;
  if (typeof value !== 'string' || !NAMESPACE_PATTERN.test(value)) {
    throw new TokenStoreError({
      code: 'INVALID_OPTIONS',
      backend,
      operation: 'create',
      reason: 'namespace must be a lowercase identifier: a letter, then up to 47 letters, digits or "_"',
    });
  }
  return value;
}
