import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { startPostgres } from '@tokens/test-servers';
import { afterAll, describe, it } from 'vitest';
import { dropTables, openStore, rawRows } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

describe.skipIf(!server)('postgres, encrypted', () => {
  if (!server) return;
  describeConformance({
    name: 'postgres (encrypted)',
    open: (namespace) => openStore(server, { namespace, encryption }),
    capabilities: { reopen: true, multiInstance: true, raw: (namespace) => rawRows(server, namespace) },
    cleanup: (namespaces) => dropTables(server, namespaces),
  });

  it('encrypted at rest: no secret and no unkeyed digest in the rows; a plain store refuses', () =>
    checkEncryptionAtRest({
      open: (namespace) => openStore(server, { namespace, encryption }),
      openPlain: (namespace) => openStore(server, { namespace }),
      raw: (namespace) => rawRows(server, namespace),
      cleanup: (namespaces) => dropTables(server, namespaces),
    }));
});
