import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { it } from 'vitest';
import { createMemoryStore, MemoryDatabase } from '../src/index.js';

const database = new MemoryDatabase();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeConformance({
  name: 'memory (encrypted)',
  open: (namespace) => createMemoryStore({ namespace, database, encryption }),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => database.rawRecords(namespace) },
});

it('encrypted at rest: no secret and no unkeyed digest in the stored records; a plain store refuses them', () =>
  checkEncryptionAtRest({
    open: (namespace) => createMemoryStore({ namespace, database, encryption }),
    openPlain: (namespace) => createMemoryStore({ namespace, database }),
    raw: async (namespace) => database.rawRecords(namespace),
  }));
