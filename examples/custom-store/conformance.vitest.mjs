// The conformance suite under vitest: `vitest run` (vitest.config.mjs points it at this file).
import { describeConformance } from '@tokens/core/conformance/vitest';
import { createObjectStore } from './object-store.mjs';

const shelf = {};
describeConformance({
  name: 'object store',
  open: (namespace) => createObjectStore(namespace, shelf),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => Object.values(shelf[namespace] ?? {}) },
});
