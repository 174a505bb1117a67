// A complete store in under 40 lines: tokens in a plain object per namespace. Core adds the
// semantics (lookup rules, merge, versions, validation, errors); the backend only stores.
import { createTokenStore, uniqueKeysOf } from '@tokens/core';

const KINDS = ['user', 'access', 'refresh', 'grant'];

export function objectBackend(namespace, shelf = {}) {
  shelf[namespace] ??= Object.create(null); // no prototype: any id is a safe key
  const records = shelf[namespace];
  const holder = (kind, value) => Object.values(records).find((record) => uniqueKeysOf(record)[kind] === value);
  const collides = (record) =>
    KINDS.some((kind) => {
      const value = uniqueKeysOf(record)[kind];
      return value !== null && (holder(kind, value)?.id ?? record.id) !== record.id;
    });

  return {
    backend: 'object',
    namespace,
    getById: (id) => records[id] ?? null,
    findByKey: ({ kind, value }) => holder(kind, value) ?? null,
    insert(record) {
      if (records[record.id] || collides(record)) return 'duplicate';
      records[record.id] = record;
      return 'inserted';
    },
    update(record, expectedVersion) {
      if (records[record.id]?.version !== expectedVersion) return 'stale';
      if (collides(record)) return 'duplicate';
      records[record.id] = record;
      return 'updated';
    },
    delete: (id) => void delete records[id],
    list: () => Object.values(records),
    clear() {
      for (const id of Object.keys(records)) delete records[id];
    },
    close() {},
  };
}

export const createObjectStore = (namespace, shelf) => createTokenStore(objectBackend(namespace, shelf));
