import { inspect } from 'node:util';
import { isTokenStoreError } from '@tokens/core';
import { expect, test } from 'vitest';
import { createFileStore, type FileStoreOptions } from '../src/index.js';

const invalid: Array<[string, unknown]> = [
  ['no options', undefined],
  ['no path', {}],
  ['an empty path', { path: '' }],
  ['a bad namespace', { path: 'x.journal', namespace: 'Bad-Name' }],
  ['a negative lockTimeoutMs', { path: 'x.journal', lockTimeoutMs: -1 }],
  ['a string lockTimeoutMs', { path: 'x.journal', lockTimeoutMs: '10' }],
];

for (const [what, options] of invalid) {
  test(`createFileStore refuses ${what} with INVALID_OPTIONS`, () => {
    let error: unknown;
    try {
      createFileStore(options as FileStoreOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isTokenStoreError(error, 'INVALID_OPTIONS')).toBe(true);
  });
}

test('creating a store touches nothing on disk and inspects without internals', async () => {
  const store = createFileStore({ path: '/nonexistent/dir/tokens.journal', namespace: 'app' });
  expect(inspect(store)).toBe("TokenStore { backend: 'file', namespace: 'app' }");
  await store.close();
});
