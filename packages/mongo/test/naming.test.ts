import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const OTHER_DATABASE = `${DATABASE}_other`;

// A store's names: the collection `<namespace>` and, on FerretDB, `<namespace>.cas`. A namespace
// cannot hold a ".", so no namespace's collection is another's claim collection.
describe.skipIf(!test)('mongo naming: differently configured stores never meet', () => {
  const used: string[] = [];
  afterEach(async () => {
    const namespaces = used.splice(0);
    await dropCollections(test!.raw, namespaces);
    const other = test!.raw.db(OTHER_DATABASE);
    await Promise.all(namespaces.flatMap((ns) => [ns, `${ns}.cas`]).map((name) => other.dropCollection(name).catch(() => false)));
  });

  it('namespaces that extend one another, and one namespace in two databases, are four stores', async () => {
    const base = `nm_${randomBytes(4).toString('hex')}`;
    used.push(base, `${base}_cas`, `${base}cas`);
    const url = test!.server.url;
    const stores = [
      createMongoStore({ url, database: DATABASE, namespace: base }),
      createMongoStore({ url, database: DATABASE, namespace: `${base}_cas` }),
      createMongoStore({ url, database: DATABASE, namespace: `${base}cas` }),
      createMongoStore({ url, database: OTHER_DATABASE, namespace: base }),
    ];
    try {
      const saved = [];
      for (const [i, store] of stores.entries()) {
        saved.push(await store.saveToken({ id: 'same-id', userSignature: 'ana@example.com', accessToken: `at-${i}` }));
        // An update, so that FerretDB claims are made too.
        await store.saveToken({ userSignature: 'ana@example.com', refreshToken: `rt-${i}` });
      }
      expect(saved.map((token) => token.version)).toEqual([1, 1, 1, 1]);
      for (const [i, store] of stores.entries()) {
        expect(await store.getTokens()).toMatchObject([{ id: 'same-id', accessToken: `at-${i}`, refreshToken: `rt-${i}`, version: 2 }]);
        expect((await store.findToken({ accessToken: `at-${(i + 1) % 4}` }))?.id).toBeUndefined();
      }
      await stores[0]!.deleteTokens();
      for (const store of stores.slice(1)) expect(await store.getTokens()).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
