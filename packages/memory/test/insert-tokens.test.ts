import { randomBytes } from 'node:crypto';
import { createTokenStore } from '@tokens/core';
import { describeInsertTokens } from '@tokens/test-servers';
import { createMemoryStore, MemoryBackend, MemoryDatabase } from '../src/index.js';

// One database: the two-instance case opens two stores on one namespace.
const database = new MemoryDatabase();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeInsertTokens({
  name: 'memory (native insertMany: one turn per batch)',
  open: (namespace) => createMemoryStore({ namespace, database }),
});

describeInsertTokens({
  name: 'memory (encrypted)',
  open: (namespace) => createMemoryStore({ namespace, database, encryption }),
});

// Core's fallback for backends without insertMany (third parties'), on the simplest backend.
describeInsertTokens({
  name: 'memory (one by one through core)',
  open: (namespace) => {
    const backend = new MemoryBackend(database, namespace);
    Object.defineProperty(backend, 'insertMany', { value: undefined });
    return createTokenStore(backend);
  },
});
