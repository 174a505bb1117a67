import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();

if (test) {
  const { server, raw } = test;
  describeConformance({
    name: 'mongo',
    open: (namespace) => createMongoStore({ url: server.url, database: DATABASE, namespace }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => raw.db(DATABASE).collection(namespace).find().toArray(),
    },
    cleanup: (namespaces) => dropCollections(raw, namespaces),
  });
} else {
  describe.skip('mongo conformance: FerretDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs FerretDB', () => {});
  });
}
