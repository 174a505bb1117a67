import { describeConformance } from '@tokens/core/conformance/vitest';
import { createMemoryStore, MemoryDatabase } from '../src/index.js';

const database = new MemoryDatabase();

describeConformance({
  name: 'memory',
  open: (namespace) => createMemoryStore({ namespace, database }),
  capabilities: {
    reopen: true,
    multiInstance: true,
    raw: async (namespace) => database.rawRecords(namespace),
  },
});
