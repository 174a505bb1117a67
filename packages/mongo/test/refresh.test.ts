import { fileURLToPath } from 'node:url';
import { describeRefreshConformance } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();

if (test) {
  const { server, raw } = test;
  describeRefreshConformance({
    name: 'mongo',
    open: (namespace) => createMongoStore({ url: server.url, database: DATABASE, namespace }),
    processes: {
      module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)),
      options: (namespace) => ({ url: server.url, database: DATABASE, namespace }),
    },
    cleanup: (namespaces) => dropCollections(raw, namespaces),
  });
} else {
  describe.skip('mongo refresh: FerretDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs FerretDB', () => {});
  });
}
