import { describeRefreshConformance } from '@tokens/test-servers';
import { createMemoryStore, MemoryDatabase } from '../src/index.js';

// One database: the stores a case opens on one namespace are instances of one store.
const database = new MemoryDatabase();

describeRefreshConformance({
  name: 'memory',
  open: (namespace) => createMemoryStore({ namespace, database }),
});
