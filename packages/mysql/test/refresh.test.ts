import { fileURLToPath } from 'node:url';
import { describeRefreshConformance, startMariaDb } from '@tokens/test-servers';
import { afterAll, describe, it } from 'vitest';
import { connectionOptions, dropTables, openStore } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

if (server) {
  describeRefreshConformance({
    name: 'mysql',
    open: (namespace) => openStore(server, { namespace }),
    processes: {
      module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)),
      options: (namespace) => ({ ...connectionOptions(server), namespace }),
    },
    cleanup: (namespaces) => dropTables(server, namespaces),
  });
} else {
  describe.skip('mysql refresh: MariaDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs MariaDB', () => {});
  });
}
