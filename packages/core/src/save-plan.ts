import type { InsertResult, UpdateResult } from './backend.js';
import type { LookupKey } from './lookup.js';
import { DATA_FIELDS, type DataField, type StoredToken } from './token.js';

/** The prefix of an encrypted record's `clientSecret` (its envelope); see encryption/codec.ts. */
export const SEALED_PREFIX = '§tokens-enc:';

/**
 * A save as core decided it, for a backend that applies it in one atomic step (one round trip on
 * a server). Every rule of the contract is already in it, so a backend only follows it:
 *
 * 1. The target is the record with `id` (when given and stored), else the one whose field for
 *    `key.kind` equals `key.value`, else none.
 * 2. No target: insert `insert` (`'inserted'`), or `'missing'` when `insert` is null (a
 *    versioned save). A unique key taken → `'duplicate'` with `inserting: true`, nothing written.
 * 3. Target whose `clientSecret` starts with `sealedPrefix` (encrypted, and this store is not):
 *    `'sealed'` with the record, nothing written.
 * 4. `expectedVersion` given and the target at another version: `'stale'` with its version.
 * 5. Merge: every field of `set` takes its value (null clears), every other field keeps its
 *    stored value. Merged data equal to the stored data: `'unchanged'` with the stored record, no
 *    write, version kept. Otherwise write the merge at version + 1 with the target's id
 *    (`'updated'`), unless a unique key of the merge is held by another record (`'duplicate'`,
 *    `inserting: false`, nothing written).
 *
 * `set` always makes the result hold a token (core sends a plan only then), so a backend never
 * checks the needs-a-token rule. `applySavePlan` is the reference of the rules above, for
 * in-process backends (they run it inside their lock or transaction) and for tests.
 */
export interface SavePlan {
  readonly id: string | undefined;
  readonly key: LookupKey | null;
  /** The fields given by the caller and their values; absent fields keep what is stored. */
  readonly set: Readonly<Partial<Record<DataField, string | number | null>>>;
  /** The names of `set`, in `DATA_FIELDS` order (handy for building a statement). */
  readonly fields: readonly DataField[];
  readonly expectedVersion: number | undefined;
  /** The record to add when there is no target (version 1); null when the save must not insert. */
  readonly insert: StoredToken | null;
  readonly sealedPrefix: string;
}

export type SaveOutcome =
  | { status: 'inserted' | 'updated' | 'unchanged' | 'sealed'; record: StoredToken }
  | { status: 'missing' }
  | { status: 'stale'; version: number }
  | { status: 'duplicate'; inserting: boolean }
  /** The backend lost a race it could not serialize (nothing written): core runs the plan again. */
  | { status: 'retry' }
  /**
   * The target changed between the backend's read and its conditional write (nothing written):
   * `CONFLICT` for a versioned plan (the caller's read is out of date), run again otherwise.
   */
  | { status: 'changed' };

/** What `applySavePlan` decided: an outcome, or a write for the backend to make (then its outcome). */
export type PlannedWrite =
  | { write: 'none'; outcome: SaveOutcome }
  | { write: 'insert'; record: StoredToken }
  | { write: 'update'; record: StoredToken; previous: StoredToken };

/** Rules 2-5 of {@link SavePlan} given the target found by rule 1 (`null` for none). */
export function applySavePlan(plan: SavePlan, target: StoredToken | null): PlannedWrite {
  if (!target) {
    return plan.insert ? { write: 'insert', record: plan.insert } : { write: 'none', outcome: { status: 'missing' } };
  }
  if (target.clientSecret?.startsWith(plan.sealedPrefix)) return { write: 'none', outcome: { status: 'sealed', record: target } };
  if (plan.expectedVersion !== undefined && target.version !== plan.expectedVersion) {
    return { write: 'none', outcome: { status: 'stale', version: target.version } };
  }
  let changed = false;
  const merged: StoredToken = { ...target, version: target.version + 1 };
  for (const field of plan.fields) {
    const value = plan.set[field];
    if (value === target[field]) continue;
    changed = true;
    (merged as unknown as Record<DataField, unknown>)[field] = value;
  }
  if (!changed) return { write: 'none', outcome: { status: 'unchanged', record: target } };
  return { write: 'update', record: merged, previous: target };
}

/** The fields of `set` in `DATA_FIELDS` order. */
export function fieldsOf(set: Partial<Record<DataField, unknown>>): DataField[] {
  return DATA_FIELDS.filter((field) => Object.hasOwn(set, field) && set[field] !== undefined);
}

/** The synchronous primitive of an in-process backend (memory, SQLite): enough to run a plan. */
export interface SyncPrimitive {
  getById(id: string): StoredToken | null;
  findByKey(key: LookupKey): StoredToken | null;
  insert(record: StoredToken): InsertResult;
  update(record: StoredToken, expectedVersion: number, previous: StoredToken): UpdateResult;
}

/**
 * Runs a plan on a synchronous primitive. Atomic only if nothing else writes in between: call it
 * within one JavaScript turn (memory) or one transaction (SQLite).
 */
export function applySavePlanWith(plan: SavePlan, primitive: SyncPrimitive): SaveOutcome {
  const target = (plan.id === undefined ? null : primitive.getById(plan.id)) ?? (plan.key ? primitive.findByKey(plan.key) : null);
  const planned = applySavePlan(plan, target);
  if (planned.write === 'none') return planned.outcome;
  if (planned.write === 'insert') {
    return primitive.insert(planned.record) === 'inserted'
      ? { status: 'inserted', record: planned.record }
      : { status: 'duplicate', inserting: true };
  }
  return updateOutcome(planned.record, primitive.update(planned.record, planned.previous.version, planned.previous));
}

/** A backend's own primitive calls, asynchronous (without the per-operation deadline: the caller holds it). */
export interface AsyncPrimitive {
  getById(id: string): Promise<StoredToken | null>;
  findByKey(key: LookupKey): Promise<StoredToken | null>;
  insert(record: StoredToken): Promise<InsertResult>;
  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Promise<UpdateResult>;
}

/**
 * The two-step save (find the target, then a conditional write) inside a backend's `save`, for the
 * plans its one statement cannot settle: the rules are `applySavePlan`'s, the atomicity the
 * conditional write's. A write that lost a race wrote nothing (`changed`).
 */
export async function readThenWrite(plan: SavePlan, primitive: AsyncPrimitive): Promise<SaveOutcome> {
  const byId = plan.id === undefined ? null : await primitive.getById(plan.id);
  const target = byId ?? (plan.key ? await primitive.findByKey(plan.key) : null);
  return writeToTarget(plan, target, primitive);
}

/** Rules 2-5 of the plan on a target already read (`null`: none), and the conditional write they call for. */
export async function writeToTarget(plan: SavePlan, target: StoredToken | null, primitive: AsyncPrimitive): Promise<SaveOutcome> {
  const planned = applySavePlan(plan, target);
  if (planned.write === 'none') return planned.outcome;
  if (planned.write === 'insert') {
    return (await primitive.insert(planned.record)) === 'inserted'
      ? { status: 'inserted', record: planned.record }
      : { status: 'duplicate', inserting: true };
  }
  return updateOutcome(planned.record, await primitive.update(planned.record, planned.previous.version, planned.previous));
}

function updateOutcome(record: StoredToken, result: UpdateResult): SaveOutcome {
  if (result === 'updated') return { status: 'updated', record };
  return result === 'duplicate' ? { status: 'duplicate', inserting: false } : { status: 'changed' };
}
