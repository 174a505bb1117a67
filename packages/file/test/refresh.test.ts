import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRefreshConformance } from '@tokens/test-servers';
import { afterAll } from 'vitest';
import { createFileStore } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tokens-file-refresh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'tokens.json');

describeRefreshConformance({
  name: 'file',
  open: (namespace) => createFileStore({ path, namespace }),
  processes: {
    module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)),
    options: (namespace) => ({ path, namespace }),
  },
});
