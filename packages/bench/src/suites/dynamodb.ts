import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { OAuthToken } from '@tokens/core';
import { createDynamoDbStore } from '@tokens/dynamodb';
import { startMoto } from '@tokens/test-servers';
import type { Subject } from '../subject.js';

const RAW_TABLE = 'bench_raw';

/**
 * Raw: a hand-written single-table store doing the least work for the same result: one
 * strongly consistent GetItem of a full copy of the token per lookup (an item per user, per
 * refresh token and per id), one blind PutItem per save, one Query per listing.
 */
export const dynamodbSubject: Subject = {
  backend: 'dynamodb (moto)',
  server: true,
  // moto deep-copies the whole table on every transaction (its rollback), so a save costs O(table):
  // ~0.5 s at 500 tokens. A larger N would measure moto's copying, not the store.
  sizes: [100],
  samples: 60,
  async open() {
    // One request at a time: moto's transactions are isolated only then (see test-servers' moto.ts).
    const server = await startMoto({ serializeRequests: true });
    if (!server) return 'moto is not installed (bash scripts/install-test-servers.sh)';
    if (server.external) return 'TOKENS_TEST_AWS=1: the bench runs against moto only';
    // A long bound: 32 seeding writers queue behind moto's one-at-a-time, table-copying transactions.
    const store = createDynamoDbStore({ ...server.clientConfig, table: 'bench_tokens', operationTimeoutMs: 120_000 });
    const client = new DynamoDBClient({ ...server.clientConfig });
    await client.send(
      new CreateTableCommand({
        TableName: RAW_TABLE,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    let next = 0;
    const get = (sk: string) => client.send(new GetItemCommand({ TableName: RAW_TABLE, Key: key(sk), ConsistentRead: true }));
    const put = (sk: string, token: OAuthToken) => client.send(new PutItemCommand({ TableName: RAW_TABLE, Item: item(sk, token) }));
    return {
      store,
      raw: {
        async seed(tokens) {
          const items = tokens.flatMap((token) => {
            const id = `raw-${next++}`;
            return [item(`i#${id}`, { ...token, id }), item(`u#${token.userSignature}`, token), item(`r#${token.refreshToken}`, token)];
          });
          for (let i = 0; i < items.length; i += 25) {
            const RequestItems = { [RAW_TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
            await client.send(new BatchWriteItemCommand({ RequestItems }));
          }
        },
        findByUser: (user) => get(`u#${user}`),
        findByRefresh: (refreshToken) => get(`r#${refreshToken}`),
        findById: (id) => get(`i#${id}`),
        updateUser: (token) => put(`u#${token.userSignature}`, token),
        insert: (token) => put(`u#${token.userSignature}`, token),
        list: () =>
          client.send(
            new QueryCommand({
              TableName: RAW_TABLE,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :u)',
              ExpressionAttributeValues: { ':pk': { S: 'raw' }, ':u': { S: 'u#' } },
              ConsistentRead: true,
            }),
          ),
      },
      async close() {
        await store.close();
        client.destroy();
        await server.dispose();
      },
    };
  },
};

function key(sk: string) {
  return { pk: { S: 'raw' }, sk: { S: sk } };
}

function item(sk: string, token: OAuthToken) {
  const fields = Object.entries(token)
    .filter(([, value]) => value != null)
    .map(([name, value]) => [name, typeof value === 'number' ? { N: String(value) } : { S: String(value) }]);
  return { ...key(sk), ...Object.fromEntries(fields) };
}
