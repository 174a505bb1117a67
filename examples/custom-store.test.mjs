// Checks the custom store with the conformance suite under node:test: `node --test examples/`.
import { describeConformance } from '@tokens/core/conformance/node-test';
import { createObjectStore } from './custom-store.mjs';

const shelf = {};
describeConformance({
  name: 'object store',
  open: (namespace) => createObjectStore(namespace, shelf),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => Object.values(shelf[namespace] ?? {}) },
});
