// The conformance suite under node:test: `node --test conformance.node-test.mjs`.
import { describeConformance } from '@tokens/core/conformance/node-test';
import { createObjectStore } from './object-store.mjs';

const shelf = {};
describeConformance({
  name: 'object store',
  open: (namespace) => createObjectStore(namespace, shelf),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => Object.values(shelf[namespace] ?? {}) },
});
