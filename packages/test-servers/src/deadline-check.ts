import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken, type StoredToken, type TokenStore } from '@tokens/core';
import { expect } from 'vitest';
import type { SlowProxy } from './slow-proxy.js';

const hex = () => randomBytes(8).toString('hex');

/** A small token with fresh random values, `overrides` on top. */
export function deadlineToken(overrides: OAuthToken = {}): OAuthToken {
  return {
    userSignature: `user-${hex()}`,
    refreshToken: `rt-${hex()}`,
    accessToken: `at-${hex()}`,
    ...overrides,
  };
}

/** The error `operation` fails with and how long it took (ms); fails the test when it succeeds. */
export async function timedFailure(operation: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await operation;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error(`expected the operation to fail (it succeeded after ${Math.round(performance.now() - started)} ms)`);
}

export interface SlowServerCheck {
  /** The store's operationTimeoutMs. */
  timeoutMs: number;
  /** What the proxy adds to each answer while the operations run. */
  delayMs: number;
  /** Slack over `timeoutMs`: each operation must fail before timeoutMs + marginMs. */
  marginMs: number;
  /**
   * Before the delay, save a token with an id and then update it (every statement or request once
   * without delay); otherwise save one token without an id.
   */
  warmUp: 'insert-with-id-and-update' | 'insert';
  /** More checks on the update's error, run after its code's and before its time's. */
  onUpdateError?: (error: unknown) => void;
}

/**
 * With `store` talking to its server through `proxy`: once the proxy delays each answer by
 * `delayMs`, an insert with an id and an update each fail with UNAVAILABLE within
 * `timeoutMs + marginMs`. The delay is off again afterwards. Returns the token saved first.
 */
export async function expectUnavailableWithinBound(store: TokenStore, proxy: SlowProxy, check: SlowServerCheck): Promise<StoredToken> {
  const { timeoutMs, delayMs, marginMs } = check;
  let saved: StoredToken;
  if (check.warmUp === 'insert-with-id-and-update') {
    saved = await store.saveToken(deadlineToken({ id: `id-${hex()}` }));
    await store.saveToken({ userSignature: saved.userSignature, accessToken: `at-${hex()}` });
  } else {
    saved = await store.saveToken(deadlineToken());
  }
  proxy.delayMs = delayMs;

  const insert = await timedFailure(store.saveToken(deadlineToken({ id: `id-${hex()}` })));
  expect(isTokenStoreError(insert.error, 'UNAVAILABLE'), String(insert.error)).toBe(true);
  expect(insert.ms).toBeLessThan(timeoutMs + marginMs);

  const update = await timedFailure(store.saveToken({ userSignature: saved.userSignature, accessToken: `at-${hex()}` }));
  expect(isTokenStoreError(update.error, 'UNAVAILABLE'), String(update.error)).toBe(true);
  check.onUpdateError?.(update.error);
  expect(update.ms).toBeLessThan(timeoutMs + marginMs);
  proxy.delayMs = 0;
  return saved;
}
