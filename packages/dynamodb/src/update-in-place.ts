import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DATA_FIELDS, type DataField, type SavePlan } from '@tokens/core';
import { type Item, MAX_ITEM_BYTES } from './items.js';

/** The fields whose value is a unique key (each has a key item). */
const KEY_FIELDS: ReadonlySet<DataField> = new Set(['userSignature', 'accessToken', 'refreshToken', 'grantToken']);
/** Past this many bytes of given values, the read + write path checks the item limit exactly. */
const LARGE_PLAN_BYTES = MAX_ITEM_BYTES / 4;

/**
 * The save as one UpdateItem on the token item, for a plan that leaves every key item as it is:
 * the condition asserts that the item exists, is at the expected version, is not sealed, holds
 * each given key already (so no key item changes) and differs in at least one given field (so a
 * no-op writes nothing and keeps the version). On a failed condition DynamoDB returns the item as
 * stored (`ALL_OLD`), from which core's rules decide the rest. `null` when the plan cannot be one
 * UpdateItem (every given field is a key it must keep: nothing left that could change).
 */
export function updateInPlace(table: string, key: Item, plan: SavePlan): UpdateItemCommandInput | null {
  const names: Record<string, string> = { '#version': 'version', '#clientSecret': 'clientSecret' };
  const values: Record<string, AttributeValue> = { ':one': { N: '1' }, ':sealed': { S: plan.sealedPrefix } };
  const conditions = ['attribute_exists(pk)', '(attribute_not_exists(#clientSecret) OR NOT begins_with(#clientSecret, :sealed))'];
  if (plan.expectedVersion !== undefined) {
    values[':expected'] = { N: String(plan.expectedVersion) };
    conditions.push('#version = :expected');
  }
  const sets = ['#version = #version + :one'];
  const removes: string[] = [];
  const changes: string[] = [];
  let bytes = 0;
  for (const field of plan.fields) {
    const name = `#f${DATA_FIELDS.indexOf(field)}`;
    const value = plan.set[field];
    names[name] = field;
    const placeholder = `:v${DATA_FIELDS.indexOf(field)}`;
    if (value === null || value === undefined) removes.push(name);
    else {
      values[placeholder] = typeof value === 'number' ? { N: String(value) } : { S: value };
      sets.push(`${name} = ${placeholder}`);
      bytes += typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 21;
    }
    if (KEY_FIELDS.has(field)) {
      if (typeof value === 'string' && value !== '') {
        // The key is kept: the stored value is this one, so this field changes nothing either.
        conditions.push(`${name} = ${placeholder}`);
        continue;
      }
      // No key (null or ""): the stored one has none either. "" and null still differ as data.
      values[':empty'] = { S: '' };
      conditions.push(`(attribute_not_exists(${name}) OR ${name} = :empty)`);
    }
    changes.push(
      value === null || value === undefined ? `attribute_exists(${name})` : `(attribute_not_exists(${name}) OR ${name} <> ${placeholder})`,
    );
  }
  if (changes.length === 0 || bytes > LARGE_PLAN_BYTES) return null;
  // DynamoDB refuses redundant parentheses: only a disjunction of several gets them.
  conditions.push(changes.length === 1 ? (changes[0] as string) : `(${changes.join(' OR ')})`);
  return {
    TableName: table,
    Key: key,
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Whether trying the UpdateItem first is worth it: a plan that gives a token other than the one it
 * is looked up by, without being a whole record, is a refresh response, and its new token moves a
 * key item, which UpdateItem cannot do. A failed conditional write costs a write unit where the read
 * it replaces costs a fifth of that, so such a plan reads first. A whole record (`{ ...found, … }`)
 * carries its keys as stored, and a plan that gives no other token moves no key item: try it.
 */
export function worthUpdatingInPlace(plan: SavePlan): boolean {
  if (plan.fields.length === DATA_FIELDS.length) return true;
  // Found by its key, the target holds that key already; found by id, it may hold another.
  const lookupField = plan.id === undefined && plan.key ? LOOKUP_FIELD[plan.key.kind] : undefined;
  return !plan.fields.some((field) => KEY_FIELDS.has(field) && field !== lookupField && plan.set[field]);
}

const LOOKUP_FIELD = { user: 'userSignature', access: 'accessToken', refresh: 'refreshToken', grant: 'grantToken' } as const;
