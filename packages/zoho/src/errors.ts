import { isTokenStoreError, TokenStoreError } from '@tokens/core';
import type { ResolvedSdk } from './sdk/resolve.js';

/**
 * The code of the SDK exceptions the bridge throws: `TOKEN_STORE_<code of the TokenStoreError>`,
 * e.g. `TOKEN_STORE_UNAVAILABLE`, `TOKEN_STORE_INVALID_GRANT`; `TOKEN_STORE` for anything else.
 */
export const SDK_ERROR_PREFIX = 'TOKEN_STORE';

/**
 * An SDK exception (the SDK's own class, so the SDK rethrows or wraps it as one of its own)
 * carrying what happened: code `TOKEN_STORE_UNAVAILABLE`, message `@tokens/redis: findToken: …`,
 * cause the `TokenStoreError`. TokenStoreError messages never hold a secret; other errors are
 * described by their name only, since a driver's message may quote a value.
 */
export function toSdkError(sdk: ResolvedSdk, operation: string, error: unknown): Error {
  if (isTokenStoreError(error)) return sdk.exception(`${SDK_ERROR_PREFIX}_${error.code}`, error.message, error);
  if (error instanceof Error && error.constructor?.name === 'SDKException') return error;
  const name = error instanceof Error ? error.name : typeof error;
  const wrapped = new TokenStoreError({
    code: 'UNAVAILABLE',
    backend: 'zoho',
    operation,
    reason: `the token store failed (${name})`,
    cause: error,
  });
  return sdk.exception(`${SDK_ERROR_PREFIX}_${wrapped.code}`, wrapped.message, wrapped);
}

/** Runs a store call and turns its failure into {@link toSdkError}. */
export async function sdkCall<T>(sdk: ResolvedSdk, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toSdkError(sdk, operation, error);
  }
}
