import { checkNamespace, createTokenStore, type TokenStore, type TokenStoreOptions } from '@tokens/core';
import { MemoryBackend, MemoryDatabase } from './memory-backend.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface MemoryStoreOptions extends TokenStoreOptions {
  /** Tokens of other namespaces in the same database are invisible (default `tokens`). */
  namespace?: string;
  /**
   * Share one database between several stores (for example one per tenant, or two "instances"
   * in a test). By default each store gets its own.
   */
  database?: MemoryDatabase;
}

/** A store in process memory: fast, and gone when the process exits. */
export function createMemoryStore(options: MemoryStoreOptions = {}): TokenStore {
  const namespace = checkNamespace(options.namespace, 'memory');
  return createTokenStore(new MemoryBackend(options.database ?? new MemoryDatabase(), namespace), options);
}
