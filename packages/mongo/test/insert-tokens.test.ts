import { describeInsertTokens } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();

// No batch insert of its own: core inserts one record at a time (16 in flight), each with its claims.
if (test) {
  const { server, raw } = test;
  describeInsertTokens({
    name: 'mongo (one by one through core)',
    open: (namespace) => createMongoStore({ url: server.url, database: DATABASE, namespace }),
    cleanup: (namespaces) => dropCollections(raw, namespaces),
    many: 300,
  });
} else {
  describe.skip('mongo insertTokens: FerretDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs FerretDB', () => {});
  });
}
