import { randomBytes } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { insertTokens, type OAuthToken } from '@tokens/core';
import { describeInsertTokens } from '@tokens/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { ItemKeys } from '../src/items.js';
import { countingClient, deleteNamespaces, freshNamespace, rawItems, TABLE, useServer } from './servers.js';

const test = await useServer();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

/** A Zoho-like token: user, access and refresh keys (4 items with the token's own). */
const zoho = (n: number | string, extra: OAuthToken = {}): OAuthToken => ({
  userSignature: `user-${n}@example.com`,
  clientId: 'client',
  clientSecret: 'client-secret',
  accessToken: `1000.access-${n}`,
  refreshToken: `1000.refresh-${n}`,
  expiryTime: 1_700_000_000_000,
  ...extra,
});

if (test) {
  const { config, raw } = test;
  const open = (namespace: string, extra = {}) =>
    createDynamoDbStore({ ...config, table: TABLE, namespace, operationTimeoutMs: 60_000, ...extra });

  describeInsertTokens({
    name: 'dynamodb (packed TransactWriteItems)',
    open: (namespace) => open(namespace),
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    many: 300,
  });

  describeInsertTokens({
    name: 'dynamodb, encrypted',
    open: (namespace) => open(namespace, { encryption }),
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    many: 120,
  });

  describe('dynamodb insertTokens: transactions', () => {
    const used: string[] = [];
    afterEach(() => deleteNamespaces(raw, used.splice(0)));

    /** A store on a counting client, its table set up, the count reset. */
    const counted = async (extra = {}) => {
      const { client, sent } = countingClient(config);
      const store = createDynamoDbStore({ client, table: TABLE, namespace: freshNamespace('batch', used), ...extra });
      await store.findTokenById('warm-up');
      sent.length = 0;
      const reset = () => sent.splice(0);
      const dispose = async () => {
        await store.close();
        client.destroy();
      };
      return { store, sent, reset, [Symbol.asyncDispose]: dispose };
    };

    it.each([
      ['plain', {}],
      ['encrypted', { encryption }],
    ])('%s: 25 tokens of 4 items per TransactWriteItems, 20 with a grant token (5 items); nothing read', async (_, extra) => {
      await using target = await counted(extra);
      const { store, reset } = target;
      const results = await insertTokens(
        store,
        Array.from({ length: 100 }, (_, i) => zoho(i)),
      );
      expect(results.every((result) => result?.version === 1)).toBe(true);
      expect(reset()).toEqual(Array(4).fill('TransactWriteItems'));
      const granted = await insertTokens(
        store,
        Array.from({ length: 101 }, (_, i) => zoho(`g${i}`, { grantToken: `1000.grant-${i}` })),
      );
      expect(granted.every((result) => result !== null)).toBe(true);
      expect(reset()).toEqual(Array(6).fill('TransactWriteItems'));
      expect(await store.findToken({ userSignature: 'user-57@example.com' })).toEqual(results[57]);
      expect(await store.findToken({ accessToken: '1000.access-g100' })).toEqual(granted[100]);
      expect(await store.findToken({ grantToken: '1000.grant-3', clientId: 'c', clientSecret: 's' })).toEqual(granted[3]);
      expect(await store.getTokens()).toHaveLength(201);
    });

    it('large tokens: a transaction holds at most ~2 MB of items (half the 4 MB limit), each token whole', async () => {
      await using target = await counted();
      const { store, reset } = target;
      // ~261 KB per token item: 8 per transaction (~2.09 MB), so 20 tokens take 3 where 100 items would allow 1.
      const big = (n: number) =>
        zoho(n, {
          accessToken: `${n}-${'a'.repeat(65_000)}`,
          clientSecret: 's'.repeat(65_000),
          refreshToken: `${n}-${'r'.repeat(65_000)}`,
          grantToken: `${n}-${'g'.repeat(65_000)}`,
        });
      const results = await insertTokens(
        store,
        Array.from({ length: 20 }, (_, n) => big(n)),
      );
      expect(results.every((result) => result !== null)).toBe(true);
      expect(reset()).toEqual(Array(3).fill('TransactWriteItems'));
      for (const n of [0, 7, 19]) expect(await store.findToken({ accessToken: big(n).accessToken as string })).toEqual(results[n]);
    });

    it('a token taken in the store cancels its transaction: those tokens go one by one, the others of the batch in one each', async () => {
      await using target = await counted();
      const { store, sent, reset } = target;
      const ana = await store.saveToken(zoho('ana'));
      const bob = await store.saveToken(zoho('bob', { id: 'id-of-bob' }));
      reset();
      // Tokens 0-24 and 50-74 make two clean transactions; 25-49 holds ana's access token and bob's id.
      const tokens = Array.from({ length: 75 }, (_, i) => zoho(i));
      tokens[30] = zoho(30, { accessToken: ana.accessToken as string });
      tokens[40] = zoho(40, { id: 'id-of-bob' });
      const results = await insertTokens(store, tokens);
      expect(results.map((result, i) => (result === null ? i : -1)).filter((i) => i >= 0)).toEqual([30, 40]);
      // 3 batch transactions, then 25 single inserts; the refused key is read (GetItem key, GetItem token) to tell an orphan.
      expect(sent.filter((name) => name === 'TransactWriteItems')).toHaveLength(3 + 25);
      expect(sent.filter((name) => name !== 'TransactWriteItems')).toEqual(['GetItem', 'GetItem']);
      expect(await store.findTokenById(ana.id)).toEqual(ana);
      expect(await store.findTokenById(bob.id)).toEqual(bob);
      expect(await store.findToken({ userSignature: 'user-30@example.com' })).toBeNull();
      expect(await store.findToken({ userSignature: 'user-40@example.com' })).toBeNull();
      for (const i of [0, 29, 31, 49, 74]) expect(await store.findToken({ userSignature: `user-${i}@example.com` })).toEqual(results[i]);
      expect(await store.getTokens()).toHaveLength(75);
      // Every stored key item points at the token that holds the key: nothing of 30 or 40 was written.
      const keyItems = (await rawItems(raw, store.namespace)).filter((item) => item.sk?.S?.startsWith('k#'));
      expect(keyItems).toHaveLength(75 * 3);
    });

    it('a key item left by a deleted token cancels the transaction; the single insert removes it and inserts the token', async () => {
      await using target = await counted();
      const { store, reset } = target;
      const orphan = new ItemKeys(store.namespace).key('user', 'user-5@example.com');
      await raw.send(new PutItemCommand({ TableName: TABLE, Item: { ...orphan, id: { S: 'long-gone' } } }));
      const results = await insertTokens(
        store,
        Array.from({ length: 10 }, (_, i) => zoho(i)),
      );
      expect(results.every((result) => result !== null)).toBe(true);
      // The batch transaction, 10 single inserts, the orphan's removal (checked against its token) and user-5's retry.
      // (The single inserts run 4 at a time: the order varies.)
      expect(reset().sort()).toEqual([...Array(2).fill('GetItem'), ...Array(13).fill('TransactWriteItems')]);
      expect(await store.findToken({ userSignature: 'user-5@example.com' })).toEqual(results[5]);
      const keyItem = (await rawItems(raw, store.namespace)).find((item) => item.sk?.S === orphan.sk?.S);
      expect(keyItem?.id?.S).toBe(results[5]?.id);
    });
  });
} else {
  describe.skip('dynamodb insertTokens: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
