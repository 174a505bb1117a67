import {
  applySavePlan,
  BackendFailure,
  type InsertResult,
  type LookupKey,
  type SaveOutcome,
  type SavePlan,
  type StoredToken,
  type UpdateResult,
} from '@tokens/core';

/** The backend's own primitive calls, without the per-operation deadline (the caller holds it). */
export interface AsyncPrimitive {
  getById(id: string): Promise<StoredToken | null>;
  findByKey(key: LookupKey): Promise<StoredToken | null>;
  insert(record: StoredToken): Promise<InsertResult>;
  update(record: StoredToken, expectedVersion: number, previous: StoredToken): Promise<UpdateResult>;
}

/**
 * The engine's two-step save (find the target, then a conditional write) run inside `save`, for
 * the cases one statement cannot settle: the rules are core's `applySavePlan`, the atomicity is
 * the write's own condition. A write that lost a race wrote nothing: `retry`, and core runs the
 * plan again. (Core has this for synchronous primitives only: `applySavePlanWith`; the dynamodb package has the same.)
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
  const result = await primitive.update(planned.record, planned.previous.version, planned.previous);
  if (result === 'updated') return { status: 'updated', record: planned.record };
  if (result === 'duplicate') return { status: 'duplicate', inserting: false };
  // As the engine's own two-step save: a compare-and-set whose write lost is refused at once (a
  // retry would wait out, say, a FerretDB claim held on that very version). Core's SaveOutcome has
  // no status for "changed after it was read", hence the failure.
  if (plan.expectedVersion !== undefined) {
    throw new BackendFailure('CONFLICT', `the stored token changed after version ${plan.expectedVersion} was read`);
  }
  return { status: 'retry' };
}
