import type { TokenBackend } from '../backend.js';
import { BackendFailure } from '../errors.js';
import type { StoredToken } from '../token.js';
import { andThen } from './chain.js';
import { describeId, ENVELOPE_PREFIX, keyIdOf } from './codec.js';

/**
 * A store without encryption in front of encrypted data must not hand out digests as tokens, nor
 * overwrite a record with a half-plain mix: reads of an encrypted record fail with
 * `KEY_UNAVAILABLE`. One `startsWith` per record read is all it costs.
 */
export function guardPlainBackend(inner: TokenBackend): TokenBackend {
  const check = (record: StoredToken | null): StoredToken | null => {
    if (record?.clientSecret?.startsWith(ENVELOPE_PREFIX)) {
      throw new BackendFailure(
        'KEY_UNAVAILABLE',
        `token ${describeId(record.id)} is encrypted (key "${keyIdOf(record)}") but this store has no encryption configured`,
      );
    }
    return record;
  };
  const refuseReserved = (record: StoredToken): void => {
    if (record.clientSecret?.startsWith(ENVELOPE_PREFIX)) {
      throw new BackendFailure('INVALID_TOKEN', `clientSecret must not start with "${ENVELOPE_PREFIX}" (reserved for encrypted records)`);
    }
  };
  const guarded: TokenBackend = {
    get backend() {
      return inner.backend;
    },
    get namespace() {
      return inner.namespace;
    },
    getById: (id) => andThen(inner.getById(id), check),
    findByKey: (key) => andThen(inner.findByKey(key), check),
    insert: (record) => {
      refuseReserved(record);
      return inner.insert(record);
    },
    update: (record, expectedVersion, previous) => {
      refuseReserved(record);
      return inner.update(record, expectedVersion, previous);
    },
    delete: (id) => inner.delete(id),
    list: () =>
      andThen(inner.list(), (records) => {
        for (const record of records) check(record);
        return records;
      }),
    clear: () => inner.clear(),
    close: () => inner.close(),
  };
  const save = inner.save?.bind(inner);
  if (save) {
    guarded.save = (plan) => {
      if (plan.insert) refuseReserved(plan.insert);
      if (typeof plan.set.clientSecret === 'string') refuseReserved({ clientSecret: plan.set.clientSecret } as StoredToken);
      // The backend wrote nothing to a sealed record; reading it here is the refusal.
      return andThen(save(plan), (outcome) => {
        if (outcome.status === 'sealed') check(outcome.record);
        return outcome;
      });
    };
  }
  const insertMany = inner.insertMany?.bind(inner);
  if (insertMany) {
    guarded.insertMany = (records) => {
      for (const record of records) refuseReserved(record);
      return insertMany(records);
    };
  }
  if (inner.describeError) guarded.describeError = (error) => inner.describeError?.(error);
  return guarded;
}
