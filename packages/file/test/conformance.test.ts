import { join } from 'node:path';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { afterAll } from 'vitest';
import { createFileStore, FileBackend } from '../src/index.js';
import { rawRecords, tempDir } from './helpers.js';

const temp = tempDir();
afterAll(temp.remove);

function target(name: string, file: string, open: (path: string, namespace: string) => ReturnType<typeof createFileStore> | FileBackend) {
  const path = join(temp.dir, file);
  describeConformance({
    name,
    open: (namespace) => open(path, namespace),
    capabilities: { reopen: true, multiInstance: true, raw: async (namespace) => rawRecords(path, namespace) },
  });
}

target('file', 'store.tokens', (path, namespace) => createFileStore({ path, namespace }));
target('file (FileBackend instances)', 'backend.tokens', (path, namespace) => new FileBackend({ path, namespace }));
target('file (fsync)', 'fsync.tokens', (path, namespace) => createFileStore({ path, namespace, fsync: true }));
