// The object store with a classic bug: keys compared case-insensitively, as a MySQL column with a
// `_ci` collation does. The suite must fail it and name the rule it breaks (`node report.mjs --broken`).
import { createTokenStore, uniqueKeysOf } from '@tokens/core';
import { objectBackend } from './object-store.mjs';

export function createBrokenStore(namespace, shelf) {
  const backend = objectBackend(namespace, shelf);
  const fold = (value) => value?.toLowerCase() ?? null;
  return createTokenStore({
    ...backend,
    findByKey: ({ kind, value }) => backend.list().find((record) => fold(uniqueKeysOf(record)[kind]) === fold(value)) ?? null,
  });
}
