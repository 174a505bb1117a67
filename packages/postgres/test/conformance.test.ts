import { describeConformance } from '@tokens/core/conformance/vitest';
import { startPostgres } from '@tokens/test-servers';
import { afterAll, describe } from 'vitest';
import { dropTables, openStore, rawRows } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

describe.skipIf(!server)('postgres conformance', () => {
  if (!server) return;
  describeConformance({
    name: 'postgres',
    open: (namespace) => openStore(server, { namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawRows(server, namespace),
    },
    cleanup: (namespaces) => dropTables(server, namespaces),
  });
});
