import type { TokenBackend } from '../backend.js';
import { TokenStoreError } from '../errors.js';
import { EncryptedBackend } from './encrypted-backend.js';
import type { EncryptionOptions } from './options.js';
import { guardPlainBackend } from './plain-guard.js';

/**
 * Where an encrypted store keeps its `EncryptedBackend`, for `reencryptTokens`. A store that wraps
 * another (as @tokens/aws-secrets does) forwards this property so the pass still finds it.
 */
export const ENCRYPTION_HANDLE: unique symbol = Symbol.for('@tokens/core:encryption') as never;

/** The backend `createTokenStore` runs on: encrypted, or plain and guarded against encrypted records. */
export function prepareBackend(backend: TokenBackend, encryption: EncryptionOptions | undefined): TokenBackend {
  if (encryption === undefined) return guardPlainBackend(backend);
  try {
    return new EncryptedBackend(backend, encryption);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // The message is ours (key ids and sizes only), never key material.
    throw new TokenStoreError({ code: 'INVALID_OPTIONS', backend: backend.backend, operation: 'create', reason: error.message });
  }
}

/** Marks a store as encrypted (a hidden, non-enumerable property). */
export function attachHandle<T extends object>(store: T, backend: TokenBackend): T {
  if (backend instanceof EncryptedBackend) Object.defineProperty(store, ENCRYPTION_HANDLE, { value: backend });
  return store;
}

export function handleOf(store: unknown): EncryptedBackend | undefined {
  const handle = (store as Record<symbol, unknown> | null)?.[ENCRYPTION_HANDLE];
  return handle instanceof EncryptedBackend ? handle : undefined;
}
