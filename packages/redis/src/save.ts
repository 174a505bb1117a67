import {
  applySavePlan,
  BackendFailure,
  DATA_FIELDS,
  hashKey,
  LOOKUP_FIELD,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
} from '@tokens/core';
import { decodeFields, READ_POSITION } from './codec.js';
import { type KeySpace, KINDS } from './keys.js';

/**
 * The client's half of the one-script save (`tokensSave` in scripts.ts): the plan as keys and
 * arguments, and the reply as core's outcome. The rules stay core's; the script only follows the
 * plan, with the digests it cannot compute (Lua has no SHA-256) computed here, once each.
 */

/**
 * Whether the script can run this plan. It builds the record to insert from the given fields (so
 * they travel once), which is what core sends: the given fields over nulls, version 1, the given id.
 */
export function scriptCanRun(plan: SavePlan): boolean {
  const { insert, set } = plan;
  if (!insert) return true;
  if (insert.version !== 1 || (plan.id !== undefined && insert.id !== plan.id)) return false;
  for (const field of DATA_FIELDS) {
    if (insert[field] !== (set[field] ?? null)) return false;
  }
  return true;
}

/** [key count, ids set, lookup index key?, then the ARGV documented at SAVE in scripts.ts]. */
export function saveArgs(keys: KeySpace, plan: SavePlan): [number, ...string[]] {
  const { set, key } = plan;
  const digests: string[] = [];
  let lookupDigest: string | undefined;
  for (const kind of KINDS) {
    const field = LOOKUP_FIELD[kind];
    const value = Object.hasOwn(set, field) ? set[field] : undefined;
    if (value === undefined) continue;
    const digest = typeof value === 'string' && value !== '' ? hashKey(value) : '';
    digests.push(kind, digest);
    if (key?.kind === kind && value === key.value) lookupDigest = digest;
  }
  const idRef = plan.id === undefined ? '' : keys.ref(plan.id);
  const { insert } = plan;
  const args: [number, ...string[]] = [1, keys.ids];
  if (key) {
    args[0] = 2;
    args.push(`${keys.indexPrefix}${key.kind}:${lookupDigest ?? hashKey(key.value)}`);
  }
  args.push(
    keys.tokenPrefix,
    keys.indexPrefix,
    idRef,
    plan.id ?? '',
    key ? LOOKUP_FIELD[key.kind] : '',
    key ? key.value : '',
    plan.expectedVersion === undefined ? '' : String(plan.expectedVersion),
    plan.sealedPrefix,
    insert ? (insert.id === plan.id ? idRef : keys.ref(insert.id)) : '',
    insert ? insert.id : '',
  );
  const cleared: string[] = [];
  const setCountAt = args.length;
  args.push('');
  for (const field of plan.fields) {
    const value = set[field];
    if (value === null || value === undefined) cleared.push(field);
    else args.push(field, String(value));
  }
  args[setCountAt] = String((args.length - setCountAt - 1) / 2);
  args.push(String(cleared.length), ...cleared, String(digests.length / 2), ...digests);
  return args;
}

/** True when the reply says the script wrote something (with `durability`, what WAIT must confirm). */
export function savedSomething(reply: unknown): boolean {
  const status = (reply as unknown[] | null)?.[0];
  return status === 'inserted' || status === 'updated';
}

export function outcomeOf(reply: unknown, plan: SavePlan): SaveOutcome {
  const [status, payload] = reply as [string, unknown];
  switch (status) {
    // What the script stored is exactly the plan's record: no need to send it back.
    case 'inserted':
      return { status, record: plan.insert as StoredToken };
    case 'updated':
      return { status, record: stored(merged(payload as (string | null)[], (reply as string[])[2] as string, plan)) };
    case 'unchanged':
    case 'sealed':
      return { status, record: stored(payload) };
    case 'stale':
      return { status, version: Number(payload) };
    case 'missing':
      return { status };
    case 'duplicate':
      return { status, inserting: payload === 1 };
    case 'corrupt':
      // decodeToken names what is wrong; the script only refused a version it could not increment.
      stored(payload);
      throw new BackendFailure('CORRUPT', 'a token hash has no valid version');
    default:
      throw new BackendFailure('CORRUPT', 'the save script gave an unexpected reply');
  }
}

/** The fields after an update: those before it (READ_FIELDS order) with the plan's and the new version. */
function merged(before: readonly (string | null)[], version: string, plan: SavePlan): (string | null)[] {
  const values = [...before];
  values[READ_POSITION.version] = version;
  for (const field of plan.fields) {
    const value = plan.set[field];
    values[READ_POSITION[field]] = value === null || value === undefined ? null : String(value);
  }
  return values;
}

function stored(hash: unknown): StoredToken {
  const record = decodeFields(hash as (string | null)[]);
  if (!record) throw new BackendFailure('CORRUPT', 'the save script returned no token');
  return record;
}

interface AsyncPrimitive {
  getById(id: string): Promise<StoredToken | null>;
  findByKey(key: NonNullable<SavePlan['key']>): Promise<StoredToken | null>;
  insert(record: StoredToken): Promise<'inserted' | 'duplicate'>;
  update(record: StoredToken, expectedVersion: number): Promise<'updated' | 'stale' | 'duplicate'>;
}

/**
 * A plan the script cannot run (see `scriptCanRun`; core sends none today): read, then write with
 * the compare-and-set scripts. A lost race is `retry`, which core answers by planning again.
 */
export async function saveInTwoSteps(plan: SavePlan, primitive: AsyncPrimitive): Promise<SaveOutcome> {
  const byId = plan.id === undefined ? null : await primitive.getById(plan.id);
  const target = byId ?? (plan.key ? await primitive.findByKey(plan.key) : null);
  const planned = applySavePlan(plan, target);
  if (planned.write === 'none') return planned.outcome;
  if (planned.write === 'insert') {
    return (await primitive.insert(planned.record)) === 'inserted'
      ? { status: 'inserted', record: planned.record }
      : { status: 'duplicate', inserting: true };
  }
  const result = await primitive.update(planned.record, planned.previous.version);
  if (result === 'updated') return { status: 'updated', record: planned.record };
  return result === 'duplicate' ? { status: 'duplicate', inserting: false } : { status: 'retry' };
}
