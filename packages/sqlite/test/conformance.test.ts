import { join } from 'node:path';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, rawRows, tempDir } from './helpers.js';

// (a) A file the store opens itself; each open is a new connection, like another process.
const file = join(tempDir(), 'tokens.db');
const independent = new Database(file);
afterAll(() => independent.close());

describeConformance({
  name: 'sqlite (file)',
  open: (namespace) => createSqliteStore({ path: file, namespace }),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => rawRows(independent, namespace) },
});

// (b) An in-memory database, handed over as the client so the suite can read what landed.
const memory = new Database(':memory:');
afterAll(() => memory.close());

describeConformance({
  name: 'sqlite (:memory: client)',
  open: (namespace) => createSqliteStore({ client: memory, namespace }),
  capabilities: { raw: async (namespace) => rawRows(memory, namespace) },
});

// (c) A user's own Database with its own settings: rollback journal, BigInt integers by default.
const own = new Database(join(tempDir(), 'own.db'), { timeout: 2000 });
own.defaultSafeIntegers(true);
afterAll(() => own.close());

describeConformance({
  name: 'sqlite (user client)',
  open: (namespace) => createSqliteStore({ client: own, namespace }),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => rawRows(own, namespace) },
});
