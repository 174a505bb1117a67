import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { OAuthToken } from '@tokens/core';
import { createDynamoDbStore } from '@tokens/dynamodb';
import { startMoto } from '@tokens/test-servers';
import type { Connected, Endpoint, Subject } from '../subject.js';

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
    // Raw ids: one sequence for every connection to this server.
    let next = 0;
    const connect = async (at: Endpoint): Promise<Connected & { client: DynamoDBClient }> => {
      const clientConfig = { ...server.clientConfig, endpoint: `http://${at.host}:${at.port}` };
      // A long bound: 32 seeding writers queue behind moto's one-at-a-time, table-copying transactions.
      const store = createDynamoDbStore({ ...clientConfig, table: 'bench_tokens', operationTimeoutMs: 120_000 });
      const client = new DynamoDBClient(clientConfig);
      const get = (sk: string) => client.send(new GetItemCommand({ TableName: RAW_TABLE, Key: key(sk), ConsistentRead: true }));
      const put = (sk: string, token: OAuthToken) => client.send(new PutItemCommand({ TableName: RAW_TABLE, Item: item(sk, token) }));
      return {
        store,
        client,
        raw: {
          async seed(tokens) {
            const items = tokens.flatMap((token) => {
              const id = `raw-${next++}`;
              return [
                item(`i#${id}`, { ...token, id }),
                item(`u#${token.userSignature}`, { ...token, version: 1 }),
                item(`r#${token.refreshToken}`, token),
              ];
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
          insert: (token) => put(`u#${token.userSignature}`, { ...token, version: 1 }),
          casUpdate: async (token, version) => {
            try {
              await client.send(
                new UpdateItemCommand({
                  TableName: RAW_TABLE,
                  Key: key(`u#${token.userSignature}`),
                  UpdateExpression: 'SET accessToken = :a, expiryTime = :e, #v = :next',
                  ConditionExpression: '#v = :v',
                  // VERSION is one of DynamoDB's reserved words.
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: {
                    ':a': { S: token.accessToken ?? '' },
                    ':e': { N: String(token.expiryTime ?? 0) },
                    ':v': { N: String(version) },
                    ':next': { N: String(version + 1) },
                  },
                }),
              );
              return true;
            } catch (error) {
              if (error instanceof ConditionalCheckFailedException) return false;
              throw error;
            }
          },
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
        },
      };
    };
    const main = await connect(server);
    await main.client.send(
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
    return {
      store: main.store,
      raw: main.raw,
      server: { endpoint: server, connect },
      async close() {
        await main.close();
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
