import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { isTokenStoreError, SEALED_PREFIX } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { encodeToken, ItemKeys } from '../src/items.js';
import { deleteNamespaces, freshNamespace, rawItems, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

/** A store on a client that records every command sent (once per send), its table already set up. */
async function countedStore() {
  const client = new DynamoDBClient({ ...test!.config });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const namespace = freshNamespace('save', used);
  const store = createDynamoDbStore({ client, table: TABLE, namespace });
  await store.findTokenById('warm-up');
  const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; calls: string[] }> => {
    sent.length = 0;
    const result = await run().catch((error: unknown) => error as T);
    return { result, calls: sent.splice(0) };
  };
  const tokenItem = async (id: string) => (await rawItems(test!.raw, namespace)).find((item) => item.sk?.S === `t#${id}`);
  return { client, store, counted, tokenItem, keys: new ItemKeys(namespace), namespace };
}

describe.skipIf(!test)('dynamodb save(plan): calls per save kind (counted with an SDK middleware)', () => {
  afterEach(async () => {
    if (test) await deleteNamespaces(test.raw, used.splice(0));
  });

  it('a versioned save that moves no key item is one UpdateItem, written in the same layout as before', async () => {
    const { client, store, counted, tokenItem, keys } = await countedStore();
    const found = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1', apiDomain: 'x' });
    const save = await counted(() => store.saveToken({ ...found, clientSecret: 'rotated', expiryTime: 7, apiDomain: null }));
    expect(save.calls).toEqual(['UpdateItem']);
    expect(save.result).toMatchObject({
      id: found.id,
      version: 2,
      clientSecret: 'rotated',
      expiryTime: 7,
      apiDomain: null,
      accessToken: 'at-1',
    });
    // Same attributes as a Put of the record would write (a null field left out).
    const item = await tokenItem(found.id);
    expect(item).toEqual(encodeToken(keys, save.result as typeof found));
    expect((await store.findToken({ accessToken: 'at-1' }))?.version).toBe(2);
    await store.close();
    client.destroy();
  });

  it('a save that changes nothing is one UpdateItem that writes nothing and keeps the version', async () => {
    const { client, store, counted, tokenItem } = await countedStore();
    const found = await store.saveToken({ userSignature: 'bo@example.com', accessToken: 'at-1', expiryTime: 5 });
    const before = await tokenItem(found.id);
    const same = await counted(() => store.saveToken({ ...found }));
    expect(same.calls).toEqual(['UpdateItem']);
    expect(same.result).toEqual(found);
    expect(await tokenItem(found.id)).toEqual(before);
    await store.close();
    client.destroy();
  });

  it('by its key, a save that moves no key item is the key GetItem and one UpdateItem', async () => {
    const { client, store, counted } = await countedStore();
    const saved = await store.saveToken({ accessToken: 'at-k', refreshToken: 'rt-k' });
    const save = await counted(() => store.saveToken({ accessToken: 'at-k', expiryTime: 9 }));
    expect(save.calls).toEqual(['GetItem', 'UpdateItem']);
    expect(save.result).toMatchObject({ id: saved.id, version: 2, expiryTime: 9, refreshToken: 'rt-k' });
    await store.close();
    client.destroy();
  });

  it('a save that moves a key item: the failed UpdateItem returns the item, then one transaction; a refresh reads first', async () => {
    const { client, store, counted } = await countedStore();
    const found = await store.saveToken({ userSignature: 'cy@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    // A whole record with a new access token (the README's compare-and-set example).
    const whole = await counted(() => store.saveToken({ ...found, accessToken: 'at-2' }));
    expect(whole.calls).toEqual(['UpdateItem', 'TransactWriteItems']);
    expect(whole.result).toMatchObject({ version: 2, accessToken: 'at-2' });
    // The refresher's save (id, version and the provider's answer) and a refresh by user key
    // read first: their new token moves a key item, which no UpdateItem can.
    const refresher = await counted(() => store.saveToken({ id: found.id, version: 2, accessToken: 'at-3', expiryTime: 1 }));
    expect(refresher.calls).toEqual(['GetItem', 'TransactWriteItems']);
    const byUser = await counted(() => store.saveToken({ userSignature: 'cy@example.com', accessToken: 'at-4' }));
    expect(byUser.calls).toEqual(['GetItem', 'GetItem', 'TransactWriteItems']);
    expect(byUser.result).toMatchObject({ version: 4, accessToken: 'at-4', refreshToken: 'rt-1' });
    expect(await store.findToken({ accessToken: 'at-3' })).toBeNull();
    expect((await store.findToken({ accessToken: 'at-4' }))?.id).toBe(found.id);
    // A new token: the key lookup and one transaction.
    const first = await counted(() => store.saveToken({ userSignature: 'new@example.com', accessToken: 'at-n' }));
    expect(first.calls).toEqual(['GetItem', 'TransactWriteItems']);
    await store.close();
    client.destroy();
  });

  it('stale, missing, duplicate and sealed: refused from the one UpdateItem’s answer, nothing written', async () => {
    const { client, store, counted, tokenItem, keys, namespace } = await countedStore();
    const found = await store.saveToken({ userSignature: 'dee@example.com', accessToken: 'at-1' });
    const other = await store.saveToken({ userSignature: 'eve@example.com', accessToken: 'at-e' });
    await store.saveToken({ ...found, expiryTime: 1 });

    const stale = await counted(() => store.saveToken({ ...found, expiryTime: 2 }));
    expect(isTokenStoreError(stale.result, 'CONFLICT')).toBe(true);
    expect((stale.result as unknown as Error).message).toMatch(/stored token is at version 2/);
    expect(stale.calls).toEqual(['UpdateItem']);

    const missing = await counted(() => store.saveToken({ ...found, id: 'gone', version: 1 }));
    expect(isTokenStoreError(missing.result, 'CONFLICT')).toBe(true);

    // A whole record taking another token's access token: the transaction refuses it.
    const current = (await store.findTokenById(found.id))!;
    const taken = await counted(() => store.saveToken({ ...current, accessToken: 'at-e' }));
    expect(isTokenStoreError(taken.result, 'CONFLICT')).toBe(true);
    expect((await store.findTokenById(found.id))?.version).toBe(2);
    expect((await store.findTokenById(other.id))?.version).toBe(1);

    // A record encrypted by another store: refused (KEY_UNAVAILABLE) and left as it is.
    const sealedRecord = { ...current, id: 'sealed-id', userSignature: 'sealed@example.com', accessToken: 'digest' };
    const sealedItem = encodeToken(keys, { ...sealedRecord, clientSecret: `${SEALED_PREFIX}v1.x` });
    await test!.raw.send(new PutItemCommand({ TableName: TABLE, Item: sealedItem }));
    const sealed = await counted(() => store.saveToken({ ...sealedRecord, clientSecret: 'plain', expiryTime: 3 }));
    expect(isTokenStoreError(sealed.result, 'KEY_UNAVAILABLE'), String(sealed.result)).toBe(true);
    expect(sealed.calls).toEqual(['UpdateItem']);
    expect(await tokenItem('sealed-id')).toEqual(sealedItem);
    expect(namespace).toBeTruthy();
    await store.close();
    client.destroy();
  });
});
