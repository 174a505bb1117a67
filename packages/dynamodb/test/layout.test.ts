import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { hashKey } from '@tokens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { deleteNamespaces, freshNamespace, plain, rawItems, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

const sortKeys = async (namespace: string) => (await rawItems(test!.raw, namespace)).map((item) => item.sk?.S).sort();
const keyOf = (kind: string, value: string) => `k#${kind}#${hashKey(value)}`;

describe.skipIf(!test)('dynamodb layout: which items a token has', () => {
  afterAll(() => deleteNamespaces(test!.raw, used));
  const open = (namespace = freshNamespace('layout', used)) => createDynamoDbStore({ ...test!.config, table: TABLE, namespace });

  it('a token is one item under t#<id> and one item per non-empty key, all in the namespace partition', async () => {
    await using store = open();
    const saved = await store.saveToken({
      id: 'tok-1',
      userSignature: 'ana@example.com',
      clientId: '1000.C',
      clientSecret: 'cs',
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      grantToken: '',
      redirectUrl: '',
      expiryTime: 1_900_000_000_000,
    });
    expect(await sortKeys(store.namespace)).toEqual(
      ['t#tok-1', keyOf('user', 'ana@example.com'), keyOf('access', 'at-1'), keyOf('refresh', 'rt-1')].sort(),
    );
    const items = await rawItems(test!.raw, store.namespace);
    for (const item of items) expect(item.pk?.S).toBe(store.namespace);
    const token = plain(items.find((item) => item.sk?.S === 't#tok-1')!);
    // Fields verbatim under their own names; "" kept, null (apiDomain) left out.
    expect(token).toEqual({
      pk: store.namespace,
      sk: 't#tok-1',
      id: 'tok-1',
      version: 1,
      userSignature: 'ana@example.com',
      clientId: '1000.C',
      clientSecret: 'cs',
      redirectUrl: '',
      grantToken: '',
      refreshToken: 'rt-1',
      accessToken: 'at-1',
      expiryTime: 1_900_000_000_000,
    });
    // Key items hold only the token's id: no value, no secret.
    for (const item of items.filter((entry) => entry.sk?.S?.startsWith('k#'))) {
      expect(Object.keys(item).sort()).toEqual(['id', 'pk', 'sk']);
      expect(item.id?.S).toBe(saved.id);
    }
  });

  it('a refresh moves the access key item; null removes a key item; delete removes everything', async () => {
    await using store = open();
    const saved = await store.saveToken({ id: 'tok-2', userSignature: 'bo', accessToken: 'at-1', refreshToken: 'rt-1' });
    await store.saveToken({ userSignature: 'bo', accessToken: 'at-2' });
    expect(await sortKeys(store.namespace)).toEqual(
      ['t#tok-2', keyOf('user', 'bo'), keyOf('access', 'at-2'), keyOf('refresh', 'rt-1')].sort(),
    );
    await store.saveToken({ userSignature: 'bo', refreshToken: null });
    expect(await sortKeys(store.namespace)).toEqual(['t#tok-2', keyOf('user', 'bo'), keyOf('access', 'at-2')].sort());
    await store.deleteToken(saved.id);
    expect(await sortKeys(store.namespace)).toEqual([]);
  });

  it('deleteTokens empties its own partition and leaves another namespace alone', async () => {
    await using mine = open();
    await using theirs = open();
    for (let i = 0; i < 3; i++) {
      await mine.saveToken({ userSignature: `u${i}`, accessToken: `at-${i}` });
      await theirs.saveToken({ userSignature: `u${i}`, accessToken: `at-${i}` });
    }
    await mine.deleteTokens();
    expect(await sortKeys(mine.namespace)).toEqual([]);
    expect(await sortKeys(theirs.namespace)).toHaveLength(9); // 3 tokens, each with a user and an access key item
    expect(await mine.saveToken({ userSignature: 'u0', accessToken: 'at-0' })).toMatchObject({ version: 1 });
  });

  it('a key item left behind without its token is no match, and a new token may take the key', async () => {
    await using store = open();
    const saved = await store.saveToken({ id: 'gone', userSignature: 'orphan@example.com', accessToken: 'at-orphan' });
    // Remove the token item only, as an interrupted clean-up or an edit by hand would.
    await test!.raw.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: store.namespace }, sk: { S: `t#${saved.id}` } } }));
    expect(await store.findToken({ userSignature: 'orphan@example.com' })).toBeNull();
    const again = await store.saveToken({ userSignature: 'orphan@example.com', accessToken: 'at-orphan' });
    expect(again.id).not.toBe('gone');
    expect((await store.findToken({ accessToken: 'at-orphan' }))?.id).toBe(again.id);
    expect(await sortKeys(store.namespace)).toEqual(
      [`t#${again.id}`, keyOf('user', 'orphan@example.com'), keyOf('access', 'at-orphan')].sort(),
    );
  });

  it('a key item held by a live token is never taken over', async () => {
    await using store = open();
    const first = await store.saveToken({ userSignature: 'held', accessToken: 'at-held' });
    const error = await store.saveToken({ userSignature: 'other', accessToken: 'at-held' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFLICT' });
    expect((await store.findToken({ accessToken: 'at-held' }))?.id).toBe(first.id);
    expect(await store.findToken({ userSignature: 'other' })).toBeNull();
  });

  it('reads items written by hand in the documented layout', async () => {
    const namespace = freshNamespace('layout', used);
    await test!.raw.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: namespace },
          sk: { S: 't#hand' },
          id: { S: 'hand' },
          version: { N: '3' },
          userSignature: { S: 'hand@example.com' },
          refreshToken: { S: 'rt-hand' },
        },
      }),
    );
    await test!.raw.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: namespace }, sk: { S: keyOf('user', 'hand@example.com') }, id: { S: 'hand' } },
      }),
    );
    await using store = open(namespace);
    expect(await store.findToken({ userSignature: 'hand@example.com' })).toMatchObject({
      id: 'hand',
      version: 3,
      refreshToken: 'rt-hand',
      accessToken: null,
    });
  });
});
