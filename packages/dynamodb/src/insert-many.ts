import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { InsertResult } from '@tokens/core';
import type { Calls } from './calls.js';
import { itemBytes } from './items.js';

/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/**
 * Our bound on the item bytes of one batch transaction: half of DynamoDB's 4 MB aggregate, so an
 * estimate that is a little off (numbers, attribute types) can never reach the real limit.
 */
export const TRANSACTION_BYTES = 2 * 1024 * 1024;
/** Margin per action for what `itemBytes` does not see (type tags, the condition's values). */
const ACTION_OVERHEAD_BYTES = 100;
/** Batch transactions in flight at once; as many single inserts of a refused one. */
const IN_FLIGHT = 4;

/** The transaction of one new token: its token item and the items of its keys. */
export type InsertActions = readonly TransactWriteItem[];

/**
 * Groups consecutive records into transactions of at most 100 actions and TRANSACTION_BYTES,
 * a record's actions always in one group (a record alone always fits: 9 actions, 400 KB items).
 */
export function packTransactions(records: readonly InsertActions[]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let actions = 0;
  let bytes = 0;
  records.forEach((record, index) => {
    const size = record.reduce((sum, action) => sum + actionBytes(action), 0);
    if (group.length > 0 && (actions + record.length > MAX_TRANSACTION_ITEMS || bytes + size > TRANSACTION_BYTES)) {
      groups.push(group);
      group = [];
      actions = 0;
      bytes = 0;
    }
    group.push(index);
    actions += record.length;
    bytes += size;
  });
  if (group.length > 0) groups.push(group);
  return groups;
}

function actionBytes(action: TransactWriteItem): number {
  return (action.Put ? itemBytes(action.Put.Item ?? {}) : 0) + ACTION_OVERHEAD_BYTES;
}

/**
 * New records, packed into as few transactions as the limits allow, each all or nothing. Records
 * never share an item (core sends no two with the same id or key), so the transactions of one
 * batch never conflict with each other and run a few at once. A transaction refused by a failed
 * condition (a taken id or key, or a key item left by a deleted token) is retried record by record
 * through `insertOne`, the single insert, which removes such orphans and answers for each.
 */
export async function insertInTransactions(
  calls: Calls,
  records: readonly InsertActions[],
  insertOne: (index: number) => Promise<InsertResult>,
): Promise<InsertResult[]> {
  const results: InsertResult[] = new Array(records.length);
  const groups = packTransactions(records);
  await inLanes(groups.length, async (at) => {
    const group = groups[at] as number[];
    if ((await calls.transact(group.flatMap((index) => [...(records[index] as InsertActions)]))).written) {
      for (const index of group) results[index] = 'inserted';
      return;
    }
    await inLanes(group.length, async (i) => {
      const index = group[i] as number;
      results[index] = await insertOne(index);
    });
  });
  return results;
}

/** Runs `work(0 … count-1)`, IN_FLIGHT at a time; after a failure no new one starts. */
async function inLanes(count: number, work: (at: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < count) {
      try {
        await work(next++);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane));
}
