import { isTokenStoreError } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawRows } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

/** Two "app servers": separate pools on one table. */
describe.skipIf(!server)('mysql: two store instances racing', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const twoStores = () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    return [openStore(server, { namespace }), openStore(server, { namespace })] as const;
  };

  it('racing first saves of the same users end as one record per user', async () => {
    const [a, b] = twoStores();
    const users = Array.from({ length: 20 }, (_, index) => `user${index}@example.com`);
    await Promise.all(
      users.flatMap((user) => [
        a.saveToken({ userSignature: user, accessToken: `${user}/a` }),
        b.saveToken({ userSignature: user, accessToken: `${user}/b` }),
      ]),
    );
    const rows = await rawRows(server, a.namespace);
    expect(rows).toHaveLength(users.length);
    for (const row of rows) expect(row.version).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('racing updates lose no acknowledged save: the version counts every one', async () => {
    const [a, b] = twoStores();
    const user = 'racer@example.com';
    await a.saveToken({ userSignature: user, refreshToken: 'r0' });
    const rounds = 15;
    const saves = [];
    for (let index = 0; index < rounds; index++) {
      saves.push(a.saveToken({ userSignature: user, accessToken: `a${index}` }));
      saves.push(b.saveToken({ userSignature: user, expiryTime: index }));
    }
    const results = await Promise.all(saves);
    const versions = results.map((token) => token.version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: rounds * 2 }, (_, index) => index + 2));
    const stored = await b.findToken({ userSignature: user });
    expect(stored?.version).toBe(rounds * 2 + 1);
    expect(stored?.refreshToken).toBe('r0');
    expect(await rawRows(server, a.namespace)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('a compare-and-set on a version another instance already replaced is a CONFLICT', async () => {
    const [a, b] = twoStores();
    const first = await a.saveToken({ userSignature: 'cas', accessToken: 'one' });
    await b.saveToken({ userSignature: 'cas', accessToken: 'two', version: first.version });
    const error = await a
      .saveToken({ userSignature: 'cas', accessToken: 'three', version: first.version })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expect((await a.findToken({ userSignature: 'cas' }))?.accessToken).toBe('two');
    await Promise.all([a.close(), b.close()]);
  });

  it('racing compare-and-sets from one version: exactly one wins', async () => {
    const [a, b] = twoStores();
    const first = await a.saveToken({ userSignature: 'cas', accessToken: 'one' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 ? a : b).saveToken({ userSignature: 'cas', accessToken: `t${index}`, version: first.version }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(isTokenStoreError(result.reason, 'CONFLICT')).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});
