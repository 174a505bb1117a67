import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { afterAll, it } from 'vitest';
import { createFileStore } from '../src/index.js';
import { rawRecords, tempDir } from './helpers.js';

const temp = tempDir();
afterAll(temp.remove);
const path = join(temp.dir, 'encrypted.tokens');
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describeConformance({
  name: 'file (encrypted)',
  open: (namespace) => createFileStore({ path, namespace, encryption }),
  capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => rawRecords(path, namespace) },
});

it('encrypted at rest: the journal file holds no secret and no unkeyed digest; a plain store refuses', () =>
  checkEncryptionAtRest({
    open: (namespace) => createFileStore({ path, namespace, encryption }),
    openPlain: (namespace) => createFileStore({ path, namespace }),
    raw: async (namespace) => rawRecords(path, namespace),
    // Every byte of the journal, dead entries included.
    rawText: async () => readFileSync(path, 'utf8'),
  }));
