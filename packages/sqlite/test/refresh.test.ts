import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRefreshConformance } from '@tokens/test-servers';
import { createSqliteStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const path = join(tempDir(), 'tokens.db');

describeRefreshConformance({
  name: 'sqlite',
  open: (namespace) => createSqliteStore({ path, namespace }),
  processes: {
    module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)),
    options: (namespace) => ({ path, namespace }),
  },
});
