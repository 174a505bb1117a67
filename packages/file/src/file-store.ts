import { checkNamespace, createTokenStore, type TokenStore, TokenStoreError, type TokenStoreOptions } from '@tokens/core';
import { FileBackend } from './file-backend.js';

/** The store options of core (`encryption`, ...) apply too. */
export interface FileStoreOptions extends TokenStoreOptions {
  /** The journal file; created (mode 0600) on the first save. Its directory must exist. */
  path: string;
  /** Tokens of other namespaces in the same file are invisible (default `tokens`). */
  namespace?: string;
  /**
   * `false` (default): a save is acknowledged once the kernel has it, which survives a crash of
   * the process. `true`: fsync before acknowledging, which also survives a power loss (slower).
   */
  fsync?: boolean;
  /** How long a save waits for another process holding the file lock (default 10,000 ms). */
  lockTimeoutMs?: number;
}

/** A store in one file on disk: no server, several processes may share it. */
export function createFileStore(options: FileStoreOptions): TokenStore {
  const namespace = checkNamespace(options?.namespace, 'file');
  if (typeof options?.path !== 'string' || options.path === '') throw invalidOption('path must be a non-empty string');
  const { lockTimeoutMs } = options;
  if (lockTimeoutMs !== undefined && !(Number.isFinite(lockTimeoutMs) && lockTimeoutMs >= 0)) {
    throw invalidOption('lockTimeoutMs must be a number of milliseconds >= 0');
  }
  return createTokenStore(new FileBackend({ path: options.path, namespace, fsync: options.fsync === true, lockTimeoutMs }), options);
}

function invalidOption(reason: string): TokenStoreError {
  return new TokenStoreError({ code: 'INVALID_OPTIONS', backend: 'file', operation: 'create', reason });
}
