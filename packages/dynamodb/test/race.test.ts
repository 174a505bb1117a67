import { join } from 'node:path';
import { isTokenStoreError } from '@tokens/core';
import { runRacingSavers } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { deleteNamespaces, freshNamespace, rawItems, rawTokens, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];
const OPEN_STORE = join(import.meta.dirname, 'fixtures', 'open-store.mjs');
const WORKERS = 4;
const USERS = 50;
const SAVES = 200;

describe.skipIf(!test)('dynamodb: several processes and instances racing', () => {
  afterAll(() => deleteNamespaces(test!.raw, used));
  const open = (namespace: string) => createDynamoDbStore({ ...test!.config, table: TABLE, namespace, operationTimeoutMs: 30_000 });

  it('4 processes saving 200 times each over 50 shared users: 50 records, every save counted in the versions', async () => {
    const namespace = freshNamespace('race', used);
    // The table exists before the children start, so they race on tokens, not on CreateTable.
    await using warm = open(namespace);
    await warm.findTokenById('warm-up');
    // One save in flight per process; all four race on the same items, so a save may retry many times.
    const storeOptions = { ...test!.config, table: TABLE, namespace, operationTimeoutMs: 60_000, maxSaveAttempts: 1_000 };
    const expected = await runRacingSavers({ processes: WORKERS, module: OPEN_STORE, storeOptions, users: USERS, saves: SAVES, lanes: 1 });
    expect(expected.size).toBe(USERS);
    expect([...expected.values()].reduce((sum, count) => sum + count, 0)).toBe(WORKERS * SAVES);

    await using store = open(namespace);
    const tokens = await store.getTokens();
    expect(tokens).toHaveLength(USERS);
    expect(new Set(tokens.map((token) => token.userSignature)).size).toBe(USERS);
    // Version = number of saves that changed it (every save sets a new access token).
    for (const token of tokens) expect(token.version, `saves of ${token.userSignature}`).toBe(expected.get(token.userSignature!));
    // And exactly one user and one access key item per token, each pointing at it.
    expect(await rawTokens(test!.raw, namespace)).toHaveLength(USERS);
    const keyItems = (await rawItems(test!.raw, namespace)).filter((item) => item.sk?.S?.startsWith('k#'));
    expect(keyItems).toHaveLength(USERS * 2);
    const ids = new Set(tokens.map((token) => token.id));
    for (const item of keyItems) expect(ids.has(item.id?.S ?? '')).toBe(true);
  }, 240_000);

  it('racing updates from two instances lose no acknowledged save: the versions count every one', async () => {
    const namespace = freshNamespace('race', used);
    await using a = open(namespace);
    await using b = open(namespace);
    const user = 'racer@example.com';
    await a.saveToken({ userSignature: user, refreshToken: 'r0' });
    const rounds = 15;
    const saves = [];
    for (let index = 0; index < rounds; index++) {
      saves.push(a.saveToken({ userSignature: user, accessToken: `a${index}` }));
      saves.push(b.saveToken({ userSignature: user, expiryTime: index + 1 }));
    }
    const versions = (await Promise.all(saves)).map((token) => token.version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: rounds * 2 }, (_, index) => index + 2));
    const stored = await b.findToken({ userSignature: user });
    expect(stored?.version).toBe(rounds * 2 + 1);
    expect(stored?.refreshToken).toBe('r0');
    // Only the last access token keeps a key item.
    const keyItems = (await rawItems(test!.raw, namespace)).filter((item) => item.sk?.S?.startsWith('k#access#'));
    expect(keyItems).toHaveLength(1);
    expect((await a.findToken({ accessToken: stored!.accessToken! }))?.id).toBe(stored?.id);
  }, 120_000);

  it('two instances claiming one access token for different users: one wins, the other gets CONFLICT', async () => {
    const namespace = freshNamespace('race', used);
    await using a = open(namespace);
    await using b = open(namespace);
    const results = await Promise.allSettled([
      a.saveToken({ userSignature: 'x', accessToken: 'shared-at' }),
      b.saveToken({ userSignature: 'y', accessToken: 'shared-at' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(isTokenStoreError(rejected.reason, 'CONFLICT')).toBe(true);
    expect(await rawTokens(test!.raw, namespace)).toHaveLength(1);
  });
});
