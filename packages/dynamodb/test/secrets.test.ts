import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { isTokenStoreError } from '@tokens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../src/errors.js';
import { createDynamoDbStore, DynamoDbBackend } from '../src/index.js';
import { deleteNamespaces, freshNamespace, TABLE, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/** Every error of the cause chain, each as util.inspect (all depths, hidden properties) and as JSON of all own properties. */
function renderings(error: unknown): string[] {
  const texts = [inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }), String(error)];
  const seen = new Set<unknown>();
  for (
    let current = error;
    current && typeof current === 'object' && !seen.has(current);
    current = (current as { cause?: unknown }).cause
  ) {
    seen.add(current);
    const own = Object.fromEntries(Object.getOwnPropertyNames(current).map((name) => [name, (current as Record<string, unknown>)[name]]));
    texts.push(JSON.stringify(own, (_, value) => (typeof value === 'bigint' ? String(value) : value)));
  }
  return texts;
}

function expectNoSecrets(error: unknown, secrets: string[]): void {
  expect(isTokenStoreError(error), String(error)).toBe(true);
  for (const text of renderings(error)) for (const value of secrets) expect(text).not.toContain(value);
}

describe.skipIf(!test)('dynamodb: secrets never appear in errors', () => {
  afterAll(() => deleteNamespaces(test!.raw, used));
  const open = () => createDynamoDbStore({ ...test!.config, table: TABLE, namespace: freshNamespace('secrets', used) });

  it('a uniqueness conflict (a real cancelled transaction) names no value', async () => {
    await using store = open();
    const [access, refresh, client] = [secret('at'), secret('rt'), secret('cs')];
    await store.saveToken({ userSignature: 'a', accessToken: access });
    const error = await store
      .saveToken({ userSignature: 'b', accessToken: access, refreshToken: refresh, clientSecret: client })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expectNoSecrets(
      error,
      [access, refresh, client, 'a', 'b'].filter((value) => value.length > 1),
    );
  });

  it('a stale compare-and-set names no value', async () => {
    await using store = open();
    const [first, second, third] = [secret('at'), secret('at'), secret('at')];
    const saved = await store.saveToken({ userSignature: 'cas', accessToken: first });
    await store.saveToken({ userSignature: 'cas', accessToken: second, version: saved.version });
    const error = await store
      .saveToken({ userSignature: 'cas', accessToken: third, version: saved.version })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expectNoSecrets(error, [first, second, third]);
  });

  it('a token too large for an item names no value', async () => {
    await using store = open();
    // 3-byte characters: 65,000 of them are 195 KB as UTF-8, so three such fields exceed 400 KB.
    const value = secret('rt');
    const big = (label: string) => `${label}${value}${'€'.repeat(65_000)}`;
    const error = await store
      .saveToken({ userSignature: 'big', accessToken: big('a'), refreshToken: big('r'), grantToken: big('g') })
      .catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expectNoSecrets(error, [value, '€€€']);
  });

  it('an unreachable endpoint names no value', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve)); // the port is now refused
    await using store = createDynamoDbStore({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      operationTimeoutMs: 2000,
      maxAttempts: 1,
    });
    const access = secret('at');
    const error = await store.saveToken({ userSignature: 'down', accessToken: access }).catch((caught: unknown) => caught);
    expect(isTokenStoreError(error, 'UNAVAILABLE')).toBe(true);
    expectNoSecrets(error, [access, 'testing']);
  });

  it('a driver error that carries item values is reduced to names and codes', async () => {
    await using store = open();
    const access = secret('at');
    const saved = await store.saveToken({ id: 'carried', userSignature: 'carry', accessToken: access });
    // The SDK's own error, asked to return the item that failed its condition: it holds the token.
    const raw = await test!.raw
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: { S: store.namespace }, sk: { S: `t#${saved.id}` } },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect((raw as Error).name).toBe('TransactionCanceledException');
    expect(inspect(raw, { depth: Number.POSITIVE_INFINITY })).toContain(access); // the hazard is real
    const failure = describeFailure(raw);
    expect(failure.code).toBe('UNAVAILABLE');
    expect(failure.message).toMatch(/ConditionalCheckFailed/);
    for (const text of renderings(failure)) expect(text).not.toContain(access);
    const backend = new DynamoDbBackend({
      client: test!.raw,
      ownsClient: false,
      table: TABLE,
      createTable: false,
      namespace: store.namespace,
      operationTimeoutMs: 1000,
      maxThrottleAttempts: 1,
    });
    expect(JSON.stringify(backend.describeError(raw))).not.toContain(access);
  });
});
