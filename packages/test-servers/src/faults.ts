import assert from 'node:assert/strict';
import { isTokenStoreError, type StoredToken, type TokenStore } from '@tokens/core';

/** Polls `probe` until it stops throwing: a restart is over when the store says so. */
export async function untilAnswers(probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * While the server is down, every kind of operation fails with UNAVAILABLE within `withinMs` (no
 * hang, no null pretending "not found"), and the error names none of `saved`'s tokens.
 */
export async function expectUnavailableWhileDown(store: TokenStore, saved: StoredToken, withinMs: number): Promise<void> {
  const user = String(saved.userSignature);
  for (const [name, operation] of [
    ['findTokenById', () => store.findTokenById(saved.id)],
    ['findToken', () => store.findToken({ userSignature: user })],
    ['saveToken', () => store.saveToken({ userSignature: user, accessToken: 'at-during' })],
    ['getTokens', () => store.getTokens()],
  ] as const) {
    const started = Date.now();
    const error = await (operation as () => Promise<unknown>)().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    assert.ok(isTokenStoreError(error, 'UNAVAILABLE'), `${name} while the server is down: ${String(error)}`);
    assert.ok(Date.now() - started < withinMs, `${name} took ${Date.now() - started} ms (bound ${withinMs} ms)`);
    assert.ok(!error.message.includes(String(saved.accessToken)), `${name}: the error names a token`);
  }
}
