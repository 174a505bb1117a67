import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createFileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

// Every journal entry names its namespace in a field of its own ("ns"), and a store's lock and
// temp files are named after its file: options never combine into a name that another
// configuration could produce.
test('namespaces that extend one another, in one file, and one namespace in two files, never see each other', async () => {
  const path = join(temp.dir, 'tokens.journal');
  const stores = [
    createFileStore({ path, namespace: 'a' }),
    createFileStore({ path, namespace: 'a_b' }),
    createFileStore({ path, namespace: 'ab' }),
    createFileStore({ path: join(temp.dir, 'tokens.journala'), namespace: 'a' }),
  ];
  for (const [i, store] of stores.entries()) {
    const saved = await store.saveToken({ id: 'same-id', userSignature: 'ana@example.com', accessToken: `at-${i}` });
    expect(saved.version).toBe(1);
  }
  for (const [i, store] of stores.entries()) {
    expect(await store.getTokens()).toMatchObject([{ id: 'same-id', accessToken: `at-${i}` }]);
    expect(await store.findToken({ accessToken: `at-${(i + 1) % stores.length}` })).toBeNull();
  }
  await stores[0]!.deleteTokens();
  for (const store of stores.slice(1)) expect(await store.getTokens()).toHaveLength(1);
  await Promise.all(stores.map((store) => store.close()));
});
