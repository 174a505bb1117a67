import { type DataField, hashKey, type LookupKind, type SavePlan } from '@tokens/core';
import type { Document } from 'mongodb';
import { KEY_FIELDS } from './document.js';

/** The data field that holds each unique key (its hash goes to `k.<kind>`). */
const KEY_OF_FIELD: Partial<Record<DataField, LookupKind>> = {
  userSignature: 'user',
  accessToken: 'access',
  refreshToken: 'refresh',
  grantToken: 'grant',
};

const sealedPatterns = new Map<string, RegExp>();

/** `^<prefix>`, escaped: the prefix is a constant of core, but a pattern is built from it only once. */
function sealedPattern(prefix: string): RegExp {
  let pattern = sealedPatterns.get(prefix);
  if (!pattern) {
    pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    sealedPatterns.set(prefix, pattern);
  }
  return pattern;
}

/**
 * A whole save as one `findOneAndUpdate`: rules 1-5 of the plan become the filter (the target by
 * `_id` or by its hashed key, at the expected version, not sealed, and differing from the plan in
 * at least one field) and the update (`$set`/`$unset` of the given fields and their `k.*` hashes,
 * `version + 1`; on an upsert, `$setOnInsert` of the id and the fields not given). A target the
 * filter leaves out (unchanged, sealed, stale) is diagnosed by a second round trip; so is a key
 * collision, since E11000 does not say whether the insert or the update hit it.
 *
 * No update pipeline (`$cond` on the stored fields would settle "unchanged" in the same trip on
 * MongoDB 4.2+): FerretDB 1.24 refuses pipelines (NotImplemented 238), and operator updates keep
 * the one statement testable on both servers.
 */
export function saveStatement(plan: SavePlan, upsert: boolean): { filter: Document; update: Document } {
  const filter: Document =
    plan.id !== undefined ? { _id: plan.id } : { [KEY_FIELDS[(plan.key as NonNullable<SavePlan['key']>).kind]]: hashKey(plan.key!.value) };
  if (plan.expectedVersion !== undefined) filter.version = plan.expectedVersion;
  filter.clientSecret = { $not: sealedPattern(plan.sealedPrefix) };
  // Values, never operators: `$ne` compares each given value with the stored one as data.
  filter.$or = plan.fields.map((field) => ({ [field]: { $ne: plan.set[field] } }));

  const set: Document = {};
  const unset: Document = {};
  for (const field of plan.fields) {
    const value = plan.set[field];
    set[field] = value;
    const kind = KEY_OF_FIELD[field];
    if (kind === undefined) continue;
    // As in toDocument: an absent key (null or "") is left out of `k`, never stored as null.
    if (typeof value === 'string' && value !== '') set[KEY_FIELDS[kind]] = hashKey(value);
    else unset[KEY_FIELDS[kind]] = '';
  }
  const update: Document = { $set: set, $inc: { version: 1 } };
  if (Object.keys(unset).length > 0) update.$unset = unset;
  if (upsert && plan.insert) {
    const onInsert: Document = { _id: plan.insert.id };
    for (const [field, value] of Object.entries(plan.insert)) {
      if (field !== 'id' && field !== 'version' && !Object.hasOwn(set, field)) onInsert[field] = value;
    }
    update.$setOnInsert = onInsert;
  }
  return { filter, update };
}
