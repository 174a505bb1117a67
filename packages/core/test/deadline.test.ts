import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { TokenBackend } from '../src/backend.js';
import { isTokenStoreError } from '../src/errors.js';
import { createTokenStore } from '../src/store.js';
import type { StoredToken } from '../src/token.js';

/** An in-process backend whose every call takes `ms`: the engine's bound, not a driver's, is under test. */
function slowBackend(ms: number): TokenBackend & { calls: string[] } {
  const records = new Map<string, StoredToken>();
  const calls: string[] = [];
  const slow = async <T>(name: string, value: () => T): Promise<T> => {
    calls.push(name);
    await delay(ms);
    return value();
  };
  return {
    backend: 'slow',
    namespace: 'tokens',
    calls,
    getById: (id) => slow('getById', () => records.get(id) ?? null),
    findByKey: () => slow('findByKey', () => null),
    insert: (record) =>
      slow('insert', () => {
        records.set(record.id, record);
        return 'inserted' as const;
      }),
    update: () => slow('update', () => 'stale' as const),
    delete: (id) => slow('delete', () => void records.delete(id)),
    list: () => slow('list', () => [...records.values()]),
    clear: () => slow('clear', () => records.clear()),
    close: () => {},
  };
}

async function timed(operation: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected the operation to fail');
}

describe('operationTimeoutMs bounds the whole operation', () => {
  it('a save of three round trips fails with UNAVAILABLE at the bound, and says the write may have landed', async () => {
    const backend = slowBackend(150);
    const store = createTokenStore(backend, { operationTimeoutMs: 400 });
    const { error, ms } = await timed(store.saveToken({ id: 'given', userSignature: 'u', accessToken: 'a' }));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^@tokens\/slow: saveToken: did not finish within 400 ms \(operationTimeoutMs\): whether the write landed is unknown/,
    );
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(400 + 300);
    expect(backend.calls).toEqual(['getById', 'findByKey', 'insert']);
  });

  it('a read past the bound fails without the write warning; no call starts after the deadline', async () => {
    const backend = slowBackend(300);
    const store = createTokenStore(backend, { operationTimeoutMs: 200 });
    const { error } = await timed(store.saveToken({ id: 'given', userSignature: 'u', accessToken: 'a' }));
    expect((error as Error).message).toBe('@tokens/slow: saveToken: did not finish within 200 ms (operationTimeoutMs)');
    await delay(400);
    expect(backend.calls).toEqual(['getById']);
  });

  it('without the option the engine adds no bound', async () => {
    const store = createTokenStore(slowBackend(20));
    await expect(store.saveToken({ id: 'given', userSignature: 'u', accessToken: 'a' })).resolves.toMatchObject({ version: 1 });
    expect(() => createTokenStore(slowBackend(1), { operationTimeoutMs: 0 })).toThrow(/operationTimeoutMs/);
  });
});
