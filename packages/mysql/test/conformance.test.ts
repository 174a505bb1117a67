import { describeConformance } from '@tokens/core/conformance/vitest';
import { startMariaDb } from '@tokens/test-servers';
import { afterAll, describe } from 'vitest';
import { dropTables, openStore, rawRows } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

describe.skipIf(!server)('mysql conformance', () => {
  if (!server) return;
  describeConformance({
    name: 'mysql',
    open: (namespace) => openStore(server, { namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawRows(server, namespace),
    },
    cleanup: (namespaces) => dropTables(server, namespaces),
  });
});
