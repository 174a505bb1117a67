import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { afterAll, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, rawRows, tempDir } from './helpers.js';

const file = join(tempDir(), 'encrypted.db');
const independent = new Database(file);
afterAll(() => independent.close());
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeConformance({
  name: 'sqlite (file, encrypted)',
  open: (namespace) => createSqliteStore({ path: file, namespace, encryption }),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => rawRows(independent, namespace) },
});

it('encrypted at rest: rows, database file and WAL hold no secret and no unkeyed digest; a plain store refuses', () =>
  checkEncryptionAtRest({
    open: (namespace) => createSqliteStore({ path: file, namespace, encryption }),
    openPlain: (namespace) => createSqliteStore({ path: file, namespace }),
    raw: async (namespace) => rawRows(independent, namespace),
    rawText: async () => [file, `${file}-wal`].map((path) => (existsSync(path) ? readFileSync(path, 'latin1') : '')).join('\n'),
  }));
