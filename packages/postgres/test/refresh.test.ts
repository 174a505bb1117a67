import { fileURLToPath } from 'node:url';
import { describeRefreshConformance, startPostgres } from '@tokens/test-servers';
import { afterAll, describe, it } from 'vitest';
import { connectionOptions, dropTables, openStore } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

if (server) {
  describeRefreshConformance({
    name: 'postgres',
    open: (namespace) => openStore(server, { namespace }),
    processes: {
      module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)),
      options: (namespace) => ({ ...connectionOptions(server), namespace }),
    },
    cleanup: (namespaces) => dropTables(server, namespaces),
  });
} else {
  describe.skip('postgres refresh: PostgreSQL not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs PostgreSQL', () => {});
  });
}
