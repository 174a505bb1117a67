import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

if (test) {
  const { server, raw } = test;
  const open = (namespace: string, withEncryption = true) =>
    createMongoStore({ url: server.url, database: DATABASE, namespace, ...(withEncryption ? { encryption } : {}) });
  const documents = (namespace: string) => raw.db(DATABASE).collection(namespace).find().toArray();
  describeConformance({
    name: 'mongo (encrypted)',
    open: (namespace) => open(namespace),
    capabilities: { reopen: true, multiInstance: true, raw: documents },
    cleanup: (namespaces) => dropCollections(raw, namespaces),
  });
  it('encrypted at rest: no secret and no unkeyed digest in the documents; a plain store refuses', () =>
    checkEncryptionAtRest({
      open: (namespace) => open(namespace),
      openPlain: (namespace) => open(namespace, false),
      raw: documents,
      cleanup: (namespaces) => dropCollections(raw, namespaces),
    }));
} else {
  describe.skip('mongo encryption: FerretDB not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs FerretDB', () => {});
  });
}
