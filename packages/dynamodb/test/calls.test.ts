import { isTokenStoreError } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { countingClient, deleteNamespaces, freshNamespace, rawItems, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

/** A store on a counting client whose table is already set up, so counts show steady-state calls. */
async function countedStore() {
  const { client, sent } = countingClient(test!.config);
  const store = createDynamoDbStore({ client, table: TABLE, namespace: freshNamespace('calls', used) });
  await store.findTokenById('warm-up');
  sent.length = 0;
  return { client, sent, store };
}

describe.skipIf(!test)('dynamodb call counts (moto or TOKENS_TEST_AWS=1)', () => {
  afterEach(async () => {
    if (test) await deleteNamespaces(test.raw, used.splice(0));
  });

  it('the first operation describes the table once; a missing table is created and waited for', async () => {
    const { client, sent } = countingClient(test!.config);
    const table = `calls_${Date.now().toString(36)}`;
    await using store = createDynamoDbStore({ client, table, namespace: 'tokens' });
    await store.findTokenById('x');
    expect(sent[0]).toBe('DescribeTable');
    expect(sent).toContain('CreateTable');
    expect(sent.at(-1)).toBe('GetItem');
    sent.length = 0;
    await store.findTokenById('x');
    expect(sent).toEqual(['GetItem']);
    client.destroy();
  });

  it('createTable: false makes no table calls at all', async () => {
    await (await countedStore()).store.close(); // the table exists
    const { client, sent } = countingClient(test!.config);
    await using store = createDynamoDbStore({ client, table: TABLE, createTable: false, namespace: freshNamespace('calls', used) });
    await store.findTokenById('x');
    expect(sent).toEqual(['GetItem']);
    client.destroy();
  });

  it('findTokenById is one GetItem; findToken by any key two, one when the key is unknown', async () => {
    const { client, sent, store } = await countedStore();
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    sent.length = 0;
    expect((await store.findTokenById(saved.id))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetItem']);
    sent.length = 0;
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetItem', 'GetItem']);
    sent.length = 0;
    expect((await store.findToken({ refreshToken: 'rt-1', clientId: 'c', clientSecret: 's' }))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetItem', 'GetItem']);
    sent.length = 0;
    expect(await store.findToken({ userSignature: 'nobody@example.com' })).toBeNull();
    expect(sent).toEqual(['GetItem']);
    await store.close();
    client.destroy();
  });

  it('a new token is one lookup and one TransactWriteItems (token + one item per key)', async () => {
    const { client, sent, store } = await countedStore();
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(sent).toEqual(['GetItem', 'TransactWriteItems']);
    sent.length = 0;
    // With an id: the store looks the id up first, then the lookup key.
    await store.saveToken({ id: 'given-id', accessToken: 'at-2' });
    expect(sent).toEqual(['GetItem', 'GetItem', 'TransactWriteItems']);
    await store.close();
    client.destroy();
  });

  it('an update is the lookup (2 GetItem) and one TransactWriteItems; a save that changes nothing writes nothing', async () => {
    const { client, sent, store } = await countedStore();
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    sent.length = 0;
    await store.saveToken({ userSignature: 'ana@example.com', expiryTime: 42 });
    expect(sent).toEqual(['GetItem', 'GetItem', 'TransactWriteItems']);
    sent.length = 0;
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2', expiryTime: 43 });
    expect(sent).toEqual(['GetItem', 'GetItem', 'TransactWriteItems']);
    sent.length = 0;
    const same = await store.saveToken({ userSignature: 'ana@example.com', expiryTime: 43 });
    expect(same.version).toBe(saved.version + 2);
    expect(sent).toEqual(['GetItem', 'GetItem']);
    await store.close();
    client.destroy();
  });

  it('deleteToken is one GetItem and one TransactWriteItems; an unknown id one GetItem', async () => {
    const { client, sent, store } = await countedStore();
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' });
    sent.length = 0;
    await store.deleteToken(saved.id);
    expect(sent).toEqual(['GetItem', 'TransactWriteItems']);
    sent.length = 0;
    await store.deleteToken(saved.id);
    expect(sent).toEqual(['GetItem']);
    await store.close();
    client.destroy();
  });

  it('getTokens is one Query per 1 MB page; deleteTokens a Query and one transaction per 20 tokens; never a Scan', async () => {
    const { client, sent, store } = await countedStore();
    for (let i = 0; i < 25; i++) await store.saveToken({ userSignature: `u${i}`, accessToken: `at-${i}` });
    sent.length = 0;
    expect(await store.getTokens()).toHaveLength(25);
    expect(sent).toEqual(['Query']);
    sent.length = 0;
    await store.deleteTokens();
    expect(sent).toEqual(['Query', 'TransactWriteItems', 'TransactWriteItems']);
    expect(await rawItems(test!.raw, store.namespace)).toEqual([]);
    await store.close();
    client.destroy();
  });

  it('refuses a token over the 400 KB item limit with INVALID_TOKEN, writing nothing', async () => {
    const { client, sent, store } = await countedStore();
    // Four 64 KiB ASCII secrets fit (256 KiB); four of 3-byte characters (768 KiB as UTF-8) do not.
    const big = (c: string) => c.repeat(65_536);
    const fits = await store.saveToken({
      userSignature: 'big',
      accessToken: big('a'),
      refreshToken: big('r'),
      grantToken: big('g'),
      clientSecret: big('s'),
    });
    expect((await store.findTokenById(fits.id))?.accessToken).toHaveLength(65_536);
    sent.length = 0;
    const error = await store
      .saveToken({ userSignature: 'wide', accessToken: big('€'), refreshToken: big('€'), grantToken: big('€') })
      .catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expect((error as Error).message).toMatch(/409600 bytes/);
    expect(sent).not.toContain('TransactWriteItems');
    expect(await store.findToken({ userSignature: 'wide' })).toBeNull();
    await store.close();
    client.destroy();
  });
});
