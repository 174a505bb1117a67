import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { type AwsClientConfig, type MotoServer, startMoto } from '@tokens/test-servers';
import { afterAll } from 'vitest';
import type { Item } from '../src/backend.js';

export interface TestServer {
  server: MotoServer;
  /** Options for stores under test: moto's endpoint and fake credentials, or only a region for real AWS. */
  config: AwsClientConfig;
  /** An independent client, for reading what landed and for cleanup. */
  raw: DynamoDBClient;
}

/** The table every test store uses unless a test names its own. */
export const TABLE = 'tokens_test';

/**
 * Starts moto (or, with TOKENS_TEST_AWS=1, uses the real account) for one test file; `null`
 * when moto is not installed locally, and the file's suites skip. In CI a missing moto throws.
 */
export async function useServer(): Promise<TestServer | null> {
  // One request at a time: moto's DynamoDB transactions are isolated only then (see moto.ts).
  const server = await startMoto({ serializeRequests: true });
  if (!server) return null;
  // startMoto's endpoint for real AWS is Secrets Manager's: DynamoDB takes only the region there.
  const config: AwsClientConfig = server.external ? { region: server.region } : { ...server.clientConfig };
  const raw = new DynamoDBClient(config);
  afterAll(async () => {
    raw.destroy();
    await server.dispose();
  });
  return { server, config, raw };
}

/** A client that records the name of every command sent through it (once per send, SDK retries aside). */
export function countingClient(config: AwsClientConfig): { client: DynamoDBClient; sent: string[] } {
  const client = new DynamoDBClient({ ...config });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, sent };
}

export function freshNamespace(prefix: string, used?: string[]): string {
  const namespace = `${prefix}_${randomBytes(6).toString('hex')}`;
  used?.push(namespace);
  return namespace;
}

/** Every item of a namespace's partition, as stored (an independent client, strongly consistent). */
export async function rawItems(raw: DynamoDBClient, namespace: string, table = TABLE): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const out = await raw.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: namespace } },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(out.Items ?? []));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** The namespace's token items as plain objects: one entry per stored token. */
export async function rawTokens(raw: DynamoDBClient, namespace: string, table = TABLE): Promise<Record<string, unknown>[]> {
  return (await rawItems(raw, namespace, table)).filter((item) => item.sk?.S?.startsWith('t#')).map(plain);
}

export function plain(item: Item): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, value.S ?? (value.N === undefined ? null : Number(value.N))]),
  );
}

export async function deleteNamespaces(raw: DynamoDBClient, namespaces: readonly string[], table = TABLE): Promise<void> {
  for (const namespace of namespaces) {
    const items = await rawItems(raw, namespace, table).catch(() => []);
    for (let i = 0; i < items.length; i += 25) {
      const requests = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } }));
      await raw.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } })).catch(() => undefined);
    }
  }
}
