import { MAX_BATCH } from './insert-many.js';
import type { TokenStore } from './store.js';
import type { OAuthToken, StoredToken } from './token.js';

/**
 * Stores built by `createTokenStore` answer this method (at most `MAX_BATCH` tokens a call):
 * new tokens inserted at once, each only if its id and unique keys are free. Use `insertTokens`.
 */
export const INSERT_MANY = Symbol.for('@tokens/core:insertMany');

export interface InsertMany {
  [INSERT_MANY](tokens: readonly OAuthToken[]): Promise<(StoredToken | null)[]>;
}

/** True for a store that `insertTokens` can write to (every store built by `createTokenStore`). */
export function canInsertTokens(store: TokenStore): store is TokenStore & InsertMany {
  return typeof (store as Partial<InsertMany>)?.[INSERT_MANY] === 'function';
}

/**
 * Inserts new tokens in batches: per batch, one transaction, multi-row statement or pipeline on
 * the backends that have one (sqlite, file, memory, mysql, postgres, redis; dynamodb: one
 * TransactWriteItems per ~25 tokens), one insert per token on the others. `operationTimeoutMs`
 * bounds each batch of up to 1,000 as one operation: pass smaller calls to a slow backend. For imports and copies into a store that does not hold them yet: a token whose
 * id or a unique key (user, access, refresh or grant token) is taken, in the store or by an
 * earlier token of the same call, is not written and gets `null` (save it with `saveToken` to
 * merge it into the stored one). Every token is checked before its batch is written; a token is
 * never half written, but a failed call may have inserted some of its batches, which a second
 * call then reports as `null`.
 */
export async function insertTokens(store: TokenStore, tokens: readonly OAuthToken[]): Promise<(StoredToken | null)[]> {
  if (!canInsertTokens(store)) throw new TypeError('insertTokens expects a store built by createTokenStore');
  const results: (StoredToken | null)[] = [];
  for (let first = 0; first < tokens.length; first += MAX_BATCH) {
    results.push(...(await store[INSERT_MANY](tokens.slice(first, first + MAX_BATCH))));
  }
  return results;
}
