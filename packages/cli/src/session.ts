import type { TokenStore } from '@tokens/core';
import { CliError } from './failure.js';
import { type OpenedStore, openStore, type StoreOverrides } from './open.js';

/** Options every command takes. */
export interface GlobalFlags {
  namespace?: string;
  verbose?: boolean;
}

/**
 * Opens the store, runs the work and always closes the store. Errors are tagged with the store's
 * printable (password-free) URL, so a one-line error says which store failed.
 */
export async function withStore<T>(
  url: string,
  flags: GlobalFlags,
  work: (store: TokenStore, opened: OpenedStore) => Promise<T>,
  overrides: StoreOverrides = {},
): Promise<T> {
  const opened = await openStore(url, { namespace: flags.namespace, ...overrides });
  try {
    return await work(opened.store, opened);
  } catch (error) {
    throw tagged(error, opened.spec.display);
  } finally {
    await opened.store.close().catch(() => {});
  }
}

const STORE_CONTEXT = Symbol.for('@tokens/cli:store');

/** Remembers which store an error came from, without changing the error itself. */
export function tagged(error: unknown, display: string): unknown {
  if (error !== null && typeof error === 'object' && !(error instanceof CliError) && !(STORE_CONTEXT in error)) {
    Object.defineProperty(error, STORE_CONTEXT, { value: display });
  }
  return error;
}

export function storeOf(error: unknown): string | undefined {
  return error !== null && typeof error === 'object'
    ? ((error as Record<symbol, string | undefined>)[STORE_CONTEXT] ?? undefined)
    : undefined;
}
