import type { Awaitable, InsertResult, TokenBackend } from './backend.js';
import { uniqueKeysOf } from './keys.js';
import type { StoredToken } from './token.js';

/** Most tokens one `insertTokens` call takes: a batch is one statement or one transaction. */
export const MAX_BATCH = 1_000;

/** Inserts in flight at once when a backend has no `insertMany`. */
const ONE_BY_ONE_IN_FLIGHT = 16;

/**
 * Which records of a batch take an id or unique key an earlier record of the same batch takes:
 * those are duplicates before anything is sent (so a backend never sees a batch that collides
 * with itself, and the first of them wins on every backend alike).
 */
export function collidingWithEarlier(records: readonly StoredToken[]): boolean[] {
  const taken = new Set<string>();
  return records.map((record) => {
    const keys = [`id\u0000${record.id}`];
    const unique = uniqueKeysOf(record);
    for (const kind of ['user', 'access', 'refresh', 'grant'] as const) {
      const value = unique[kind];
      if (value !== null) keys.push(`${kind}\u0000${value}`);
    }
    if (keys.some((key) => taken.has(key))) return true;
    for (const key of keys) taken.add(key);
    return false;
  });
}

/** The backend's `insertMany`, or its `insert` a few at a time; one result per record, in order. */
export function insertAll(backend: TokenBackend, records: readonly StoredToken[]): Awaitable<InsertResult[]> {
  if (backend.insertMany) return backend.insertMany(records);
  return insertOneByOne(backend, records);
}

async function insertOneByOne(backend: TokenBackend, records: readonly StoredToken[]): Promise<InsertResult[]> {
  const results: InsertResult[] = new Array(records.length);
  let next = 0;
  const lane = async () => {
    while (next < records.length) {
      const at = next++;
      results[at] = await backend.insert(records[at] as StoredToken);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ONE_BY_ONE_IN_FLIGHT, records.length) }, lane));
  return results;
}
