import { CreateTableCommand, DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { BackendFailure } from '@tokens/core';
import type { Calls } from './calls.js';
import { errorName } from './errors.js';

const POLL_MS = 200;

/**
 * Makes sure the table exists with our key schema (`pk` string hash key, `sk` string range
 * key): describes it, creates it on demand (on-demand billing) and waits until it is ACTIVE.
 * Several processes may race to create it: the losers wait for the winner's table.
 */
export async function ensureTable(calls: Calls, table: string): Promise<void> {
  let description = await describe(calls, table);
  if (!description) {
    try {
      await calls.send((o) =>
        calls.client.send(
          new CreateTableCommand({
            TableName: table,
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
          o,
        ),
      );
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
    description = await describe(calls, table);
  }
  checkSchema(description, table);
  while (description?.TableStatus !== 'ACTIVE') {
    if (description?.TableStatus === 'DELETING' || description?.TableStatus === 'ARCHIVED') {
      throw new BackendFailure('UNAVAILABLE', `the DynamoDB table ${table} is ${description.TableStatus}`);
    }
    await calls.sleep(POLL_MS);
    description = await describe(calls, table);
  }
}

async function describe(calls: Calls, table: string): Promise<TableDescription | null> {
  try {
    const out = await calls.send((o) => calls.client.send(new DescribeTableCommand({ TableName: table }), o));
    return out.Table ?? null;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return null;
    throw error;
  }
}

function checkSchema(description: TableDescription | null, table: string): void {
  if (!description) return;
  const keys = description.KeySchema ?? [];
  const types = new Map((description.AttributeDefinitions ?? []).map((definition) => [definition.AttributeName, definition.AttributeType]));
  const hash = keys.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const range = keys.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (hash !== 'pk' || range !== 'sk' || types.get('pk') !== 'S' || types.get('sk') !== 'S') {
    throw new BackendFailure(
      'UNAVAILABLE',
      `the DynamoDB table ${table} has another key schema: it needs a string partition key "pk" and a string sort key "sk"`,
    );
  }
}
