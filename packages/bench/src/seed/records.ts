import { randomUUID } from 'node:crypto';
import type { OAuthToken, StoredToken } from '@tokens/core';
import { tokenAt } from '../fixtures.js';

/**
 * The i-th token of the data set as the store would have saved it: the fields in the order of
 * core's `newRecord` (so in-memory records get the same object shape), version 1, a random UUID id.
 */
export function recordAt(i: number, id: string = randomUUID()): StoredToken {
  const token = tokenAt(i);
  return {
    id,
    version: 1,
    userSignature: token.userSignature,
    clientId: token.clientId ?? null,
    clientSecret: token.clientSecret ?? null,
    redirectUrl: token.redirectUrl ?? null,
    grantToken: null,
    refreshToken: token.refreshToken,
    accessToken: token.accessToken,
    expiryTime: token.expiryTime ?? null,
    apiDomain: token.apiDomain ?? null,
  };
}

/** Records `from..to-1` in one array: seeders work batch by batch, so memory stays bounded. */
export function recordBatch(from: number, to: number, ids: string[]): StoredToken[] {
  const batch: StoredToken[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    const record = recordAt(i);
    ids[i] = record.id;
    batch[i - from] = record;
  }
  return batch;
}

/** Runs `work` on batches of `size` indices of 0..n-1 with up to `inFlight` batches at once. */
export async function inBatches(n: number, size: number, inFlight: number, work: (from: number, to: number) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const from = next;
      next = Math.min(n, next + size);
      await work(from, next);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap and RSS after a full collection (the child runs with --expose-gc). */
export function memorySnapshot(): { heap: number; rss: number } {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  // external already includes arrayBuffers (Buffers).
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

export function elapsedMs(start: number): number {
  return Math.round(performance.now() - start);
}

/** A caller's token as a full record with `id` (nulls where not given), for the raw drivers' inserts. */
export function asRecord(token: OAuthToken, id: string): StoredToken {
  return {
    id,
    version: 1,
    userSignature: token.userSignature ?? null,
    clientId: token.clientId ?? null,
    clientSecret: token.clientSecret ?? null,
    redirectUrl: token.redirectUrl ?? null,
    grantToken: token.grantToken ?? null,
    refreshToken: token.refreshToken ?? null,
    accessToken: token.accessToken ?? null,
    expiryTime: token.expiryTime ?? null,
    apiDomain: token.apiDomain ?? null,
  };
}
