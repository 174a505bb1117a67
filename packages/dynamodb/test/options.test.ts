import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { isTokenStoreError, type TokenStoreErrorCode } from '@tokens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDbStore, type DynamoDbStoreOptions } from '../src/index.js';
import { deleteNamespaces, freshNamespace, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

function codeOf(run: () => unknown): TokenStoreErrorCode | 'none' | 'other' {
  try {
    run();
  } catch (error) {
    return isTokenStoreError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('dynamodb options', () => {
  it('rejects bad namespaces, table names, flags, timeouts and clients with INVALID_OPTIONS', () => {
    const bad: unknown[] = [
      { namespace: 'Bad-Name' },
      { namespace: '' },
      { table: 'ab' },
      { table: 'has space' },
      { table: 42 },
      { createTable: 'yes' },
      { operationTimeoutMs: 0 },
      { operationTimeoutMs: 1.5 },
      { connectTimeoutMs: -1 },
      { maxAttempts: Number.NaN },
      { maxThrottleAttempts: '3' },
      { client: {} },
    ];
    for (const options of bad)
      expect(
        codeOf(() => createDynamoDbStore(options as DynamoDbStoreOptions)),
        JSON.stringify(options),
      ).toBe('INVALID_OPTIONS');
    expect(codeOf(() => createDynamoDbStore(null as unknown as DynamoDbStoreOptions))).toBe('INVALID_OPTIONS');
    // Creating a store makes no call: nothing to reach yet.
    expect(codeOf(() => createDynamoDbStore({ region: 'eu-west-1', table: 'my.tokens-1', namespace: 'crm' }))).toBe('none');
  });
});

describe.skipIf(!test)('dynamodb tables and clients', () => {
  afterAll(() => deleteNamespaces(test!.raw, used));

  it('uses the caller’s client and leaves it usable after close', async () => {
    const client = new DynamoDBClient({ ...test!.config });
    const store = createDynamoDbStore({ client, table: TABLE, namespace: freshNamespace('opts', used) });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    await store.close();
    const out = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
    client.destroy();
  });

  it('creates a missing table on demand: on-demand billing, pk/sk string keys, ACTIVE', async () => {
    const table = `created_${Date.now().toString(36)}`;
    await using store = createDynamoDbStore({ ...test!.config, table, namespace: 'tokens' });
    await store.saveToken({ userSignature: 'u', accessToken: 'a' });
    const { Table } = await test!.raw.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('several stores racing to create one table all end up using it', async () => {
    const table = `race_${Date.now().toString(36)}`;
    const stores = Array.from({ length: 4 }, (_, i) => createDynamoDbStore({ ...test!.config, table, namespace: `ns${i}` }));
    await Promise.all(stores.map((store, i) => store.saveToken({ userSignature: `u${i}`, accessToken: `a${i}` })));
    for (const [i, store] of stores.entries()) expect((await store.findToken({ userSignature: `u${i}` }))?.accessToken).toBe(`a${i}`);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('createTable: false never creates a table: a missing one is UNAVAILABLE, naming the cause', async () => {
    const table = `missing_${Date.now().toString(36)}`;
    await using store = createDynamoDbStore({ ...test!.config, table, createTable: false });
    const error = await store.findToken({ userSignature: 'u' }).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/table does not exist/);
    const described = await test!.raw.send(new DescribeTableCommand({ TableName: table })).catch((caught: unknown) => caught);
    expect((described as Error).name).toBe('ResourceNotFoundException');
  });

  it('a table with another key schema is refused with UNAVAILABLE before anything is written', async () => {
    const table = `other_${Date.now().toString(36)}`;
    await test!.raw.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await using store = createDynamoDbStore({ ...test!.config, table });
    const error = await store.saveToken({ id: 'x', userSignature: 'u', accessToken: 'a' }).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/another key schema/);
    expect((await test!.raw.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'x' } } }))).Item).toBeUndefined();
  });

  it('passes core’s options through: maxSaveAttempts bounds the retries of a contended save', async () => {
    const namespace = freshNamespace('opts', used);
    await using store = createDynamoDbStore({ ...test!.config, table: TABLE, namespace, maxSaveAttempts: 1 });
    await store.saveToken({ userSignature: 'hot', accessToken: 'a0' });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.saveToken({ userSignature: 'hot', expiryTime: i + 1 })),
    );
    const refused = results.filter((result) => result.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused)
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT', message: /gave up after 1 attempts/ });
  });
});
